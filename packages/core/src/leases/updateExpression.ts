/**
 * Builds one UpdateItem's expressions from named changes, so each adapter method states
 * what it changes and on which condition, and tests can assert the request without I/O.
 */
export class UpdateExpression {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly deletes: string[] = [];
  private readonly conditions: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(attribute, value)}`);
    return this;
  }

  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }

  /** Adds `member` to a string set. */
  addToSet(attribute: string, member: string): this {
    this.adds.push(`${this.name(attribute)} ${this.value(`${attribute}Add`, new Set([member]))}`);
    return this;
  }

  deleteFromSet(attribute: string, member: string): this {
    this.deletes.push(`${this.name(attribute)} ${this.value(`${attribute}Delete`, new Set([member]))}`);
    return this;
  }

  /** A condition with `#attr` / `:key` placeholders; `values` are bound under their keys. */
  condition(expression: string, values: Record<string, unknown> = {}, attributes: string[] = []): this {
    for (const attribute of attributes) this.name(attribute);
    for (const [key, value] of Object.entries(values)) this.values[`:${key}`] = value;
    this.conditions.push(expression);
    return this;
  }

  build() {
    const clauses = [
      this.sets.length ? `SET ${this.sets.join(", ")}` : "",
      this.removes.length ? `REMOVE ${this.removes.join(", ")}` : "",
      this.adds.length ? `ADD ${this.adds.join(", ")}` : "",
      this.deletes.length ? `DELETE ${this.deletes.join(", ")}` : "",
    ].filter(Boolean);
    return {
      UpdateExpression: clauses.join(" "),
      // DynamoDB refuses redundant parentheses, so a lone condition stays bare.
      ...(this.conditions.length > 0 && {
        ConditionExpression: this.conditions.length === 1 ? this.conditions[0] : this.conditions.map((c) => `(${c})`).join(" AND "),
      }),
      ExpressionAttributeNames: { ...this.names },
      ...(Object.keys(this.values).length > 0 && { ExpressionAttributeValues: { ...this.values } }),
    };
  }

  private name(attribute: string): string {
    this.names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  }

  private value(key: string, value: unknown): string {
    this.values[`:${key}`] = value;
    return `:${key}`;
  }
}
