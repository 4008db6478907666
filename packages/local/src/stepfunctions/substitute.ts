/**
 * Applies `definitionSubstitutions` the way Step Functions does at deploy time: every
 * `${Name}` in a string of the definition becomes its value. A placeholder without a
 * value is an error here, as it is when the stack deploys.
 */
export function substitute<T>(definition: T, substitutions: Readonly<Record<string, string>>): T {
  const text = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`definition placeholder \${${name}} has no substitution`);
    // The value lands inside a JSON string: escape it as one.
    return JSON.stringify(value).slice(1, -1);
  });
  return JSON.parse(text) as T;
}
