/**
 * DynamoDB expressions built from parts, never edited as strings: every attribute and
 * value goes in through a generated placeholder, so conditions and updates from different
 * places (a record's version check, a lock's fence) compose into one request.
 */

/** An attribute, or a path into a map (`attr("times", "deployed")`). */
export class AttributePath {
  readonly segments: readonly string[];
  constructor(segments: readonly string[]) {
    if (segments.length === 0 || segments.some((s) => s === "")) throw new RangeError("an attribute path needs non-empty segments");
    this.segments = segments;
  }
}

export const attr = (...segments: string[]): AttributePath => new AttributePath(segments);

/** Allocates placeholders for one request; the same attribute name always gets the same one. */
export class Placeholders {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly byName = new Map<string, string>();
  private nextValue = 0;

  name(path: AttributePath | string): string {
    const segments = typeof path === "string" ? [path] : path.segments;
    return segments.map((segment) => this.segment(segment)).join(".");
  }

  value(value: unknown): string {
    const key = `:v${this.nextValue++}`;
    this.values[key] = value;
    return key;
  }

  private segment(segment: string): string {
    const known = this.byName.get(segment);
    if (known) return known;
    // Readable where it can be (`#status`), numbered where the name is not a plain word.
    // (`#_3` cannot clash: a readable one starts with a letter.)
    const key = /^[A-Za-z][A-Za-z0-9_]*$/.test(segment) ? `#${segment}` : `#_${this.byName.size}`;
    this.byName.set(segment, key);
    this.names[key] = segment;
    return key;
  }
}

/** A condition, rendered against the request's placeholders. */
export type Condition = (p: Placeholders) => string;

/**
 * A condition written as text: interpolated attribute paths become `#name` placeholders
 * and any other interpolated value a `:value` placeholder.
 * `` cond`${attr("status")} = ${"active"} AND attribute_not_exists(${attr("deleteRequested")})` ``
 */
export function cond(text: TemplateStringsArray, ...parts: unknown[]): Condition {
  return (p) => text.reduce((out, chunk, i) => out + chunk + (i < parts.length ? operand(p, parts[i]) : ""), "");
}

const operand = (p: Placeholders, part: unknown): string => (part instanceof AttributePath ? p.name(part) : p.value(part));

export const exists = (path: AttributePath): Condition => cond`attribute_exists(${path})`;
export const notExists = (path: AttributePath): Condition => cond`attribute_not_exists(${path})`;
/** The item does not exist yet (every Scythe table's partition key is `pk`). */
export const absent: Condition = notExists(attr("pk"));
export const equals = (path: AttributePath, value: unknown): Condition => cond`${path} = ${value}`;
export const oneOf = (path: AttributePath, values: readonly unknown[]): Condition => (p) =>
  `${p.name(path)} IN (${values.map((v) => p.value(v)).join(", ")})`;

// DynamoDB refuses redundant parentheses, so a lone part stays bare and only joined parts are wrapped.
const join = (word: "AND" | "OR", parts: readonly Condition[]): Condition => (p) => {
  const rendered = parts.map((c) => c(p));
  return rendered.length === 1 ? (rendered[0] ?? "") : rendered.map((r) => `(${r})`).join(` ${word} `);
};
export const and = (...parts: Condition[]): Condition => join("AND", parts);
export const or = (...parts: Condition[]): Condition => join("OR", parts);

/** The expression fields of a request, ready to spread into a Put, Update, Delete or ConditionCheck. */
export interface BuiltExpressions {
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** A condition alone (a conditional put or delete). */
export function conditionOnly(condition: Condition): BuiltExpressions {
  const p = new Placeholders();
  const ConditionExpression = condition(p);
  return withPlaceholders({ ConditionExpression }, p);
}

function withPlaceholders<T extends object>(fields: T, p: Placeholders): T & BuiltExpressions {
  return {
    ...fields,
    ...(Object.keys(p.names).length > 0 && { ExpressionAttributeNames: { ...p.names } }),
    ...(Object.keys(p.values).length > 0 && { ExpressionAttributeValues: { ...p.values } }),
  };
}

type Action = (p: Placeholders) => string;

/**
 * One UpdateItem's expressions: what it changes (SET, REMOVE, ADD, DELETE) and on which
 * conditions, each added by whoever has a say (the adapter, a fence), then rendered once.
 */
export class Update {
  private readonly sets: Action[] = [];
  private readonly removes: Action[] = [];
  private readonly adds: Action[] = [];
  private readonly deletes: Action[] = [];
  private readonly conditions: Condition[] = [];

  set(path: AttributePath | string, value: unknown): this {
    this.sets.push((p) => `${p.name(path)} = ${p.value(value)}`);
    return this;
  }

  /** Sets the attribute only where it has no value yet. */
  setIfAbsent(path: AttributePath | string, value: unknown): this {
    this.sets.push((p) => `${p.name(path)} = if_not_exists(${p.name(path)}, ${p.value(value)})`);
    return this;
  }

  /** `path = path + by` (the attribute must exist); `from` starts a missing one at that value. */
  increment(path: AttributePath | string, by: number, from?: number): this {
    this.sets.push((p) =>
      from === undefined
        ? `${p.name(path)} = ${p.name(path)} + ${p.value(by)}`
        : `${p.name(path)} = if_not_exists(${p.name(path)}, ${p.value(from)}) + ${p.value(by)}`,
    );
    return this;
  }

  remove(path: AttributePath | string): this {
    this.removes.push((p) => p.name(path));
    return this;
  }

  /** ADD: a number added to a number attribute (created at 0), or members to a set. */
  add(path: AttributePath | string, value: number | ReadonlySet<string>): this {
    this.adds.push((p) => `${p.name(path)} ${p.value(value)}`);
    return this;
  }

  addToSet(path: AttributePath | string, member: string): this {
    return this.add(path, new Set([member]));
  }

  deleteFromSet(path: AttributePath | string, member: string): this {
    this.deletes.push((p) => `${p.name(path)} ${p.value(new Set([member]))}`);
    return this;
  }

  /** Another builder with the same changes and conditions, to add to without touching this one. */
  copy(): Update {
    const next = new Update();
    next.sets.push(...this.sets);
    next.removes.push(...this.removes);
    next.adds.push(...this.adds);
    next.deletes.push(...this.deletes);
    next.conditions.push(...this.conditions);
    return next;
  }

  /** Adds a condition; all of them must hold. */
  when(condition: Condition): this {
    this.conditions.push(condition);
    return this;
  }

  build(): BuiltExpressions & { readonly UpdateExpression: string } {
    const p = new Placeholders();
    const clause = (word: string, actions: Action[]) => (actions.length ? `${word} ${actions.map((a) => a(p)).join(", ")}` : "");
    const UpdateExpression = [clause("SET", this.sets), clause("REMOVE", this.removes), clause("ADD", this.adds), clause("DELETE", this.deletes)]
      .filter(Boolean)
      .join(" ");
    if (UpdateExpression === "") throw new RangeError("an update must change something");
    const condition = this.conditions.length > 0 ? and(...this.conditions)(p) : undefined;
    return withPlaceholders({ UpdateExpression, ...(condition !== undefined && { ConditionExpression: condition }) }, p);
  }
}
