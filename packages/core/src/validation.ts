import type { z } from "zod";
import { ValidationError } from "./errors.js";

/**
 * Parses `input` with `schema`; on failure throws a ValidationError naming the first
 * offending field (dotted path; for an unknown key, the key itself), so every entry
 * point reports bad input the same way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = "input"): z.infer<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  // A required field missing because it was misspelt: name the misspelling, which is what was typed.
  const misspelt = result.error.issues.find((i) => i.code === "unrecognized_keys" && result.error.issues.some((m) => isMissing(m) && i.keys.some((k) => resembles(k, String(m.path.at(-1))))));
  const issue = misspelt ?? result.error.issues[0];
  const path = issue ? issue.path.map(String) : [];
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) {
    const key = issue.keys[0];
    const known = fieldsAt(schema, input, issue.path);
    path.push(key);
    // A schema that words its own refusal (the reaper lists its options) keeps it.
    throw new ValidationError(path.join("."), validatorWording.test(issue.message) ? unknownField(key, known) : issue.message);
  }
  throw new ValidationError(path.length > 0 ? path.join(".") : root, issue ? plainMessage(issue, path) : "invalid");
}

const isMissing = (issue: z.core.$ZodIssue) => issue.code === "invalid_type" && issue.input === undefined;

/** The same name but for case, or one a prefix of the other (`expiresIn`, `expiresInMS` for `expiresInMs`). */
function resembles(typed: string, field: string): boolean {
  const a = typed.toLowerCase();
  const b = field.toLowerCase();
  return a === b || b.startsWith(a) || a.startsWith(b);
}

/** "is not a field here (did you mean expiresInMs?)": a misspelt field named with what it was likely meant to be. */
function unknownField(key: string, known: readonly string[]): string {
  const likely = known.find((f) => f.toLowerCase() === key.toLowerCase()) ?? known.find((f) => resembles(key, f));
  if (likely) return `is not a field here (did you mean ${likely}?)`;
  return known.length > 0 ? `is not a field here (fields: ${known.join(", ")})` : "is not a field here";
}

interface SchemaDef {
  readonly type?: string;
  readonly shape?: Record<string, unknown>;
  readonly options?: readonly unknown[];
  readonly discriminator?: string;
}
const defOf = (schema: unknown): SchemaDef => ((schema as { def?: SchemaDef } | undefined)?.def ?? {});

/** The fields an object schema takes at `path` (through discriminated unions, by the input's discriminator). */
function fieldsAt(schema: unknown, input: unknown, path: readonly PropertyKey[]): string[] {
  let current = schema;
  let value = input;
  for (let i = 0; ; i++) {
    const def = defOf(current);
    if (def.type === "union" && def.options) {
      const tag = def.discriminator && value && typeof value === "object" ? (value as Record<string, unknown>)[def.discriminator] : undefined;
      current = def.options.find((o) => {
        const shape = defOf(o).shape;
        const literal = def.discriminator ? defOf(shape?.[def.discriminator]) : undefined;
        return (literal as { values?: unknown[] } | undefined)?.values?.includes(tag);
      });
      if (current === undefined) return [];
      continue;
    }
    if (def.type !== "object" || !def.shape) return [];
    if (i >= path.length) return Object.keys(def.shape);
    const segment = String(path[i]);
    current = def.shape[segment];
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
  }
}

/** Units a field's name declares (`waitMs`, `pollSeconds.drain`, `olderThanMinutes`), in ms each. */
const units = [
  { suffix: "Ms", ms: 1, short: "ms" },
  { suffix: "Seconds", ms: 1000, short: "s" },
  { suffix: "Minutes", ms: 60_000, short: "minutes" },
] as const;

/**
 * The issue's message, except that a number out of bounds is told as "must be at most
 * 86400000 ms (1d)" (the bound in the field's unit and in the units a person types) and a
 * fraction as "must be a whole number", never in the validator's own notation (`<=86400000`).
 */
function plainMessage(issue: z.core.$ZodIssue, path: string[]): string {
  const unit = [...path].reverse().flatMap((segment) => units.filter((u) => segment.endsWith(u.suffix)))[0];
  const isBound = issue.code === "too_big" || issue.code === "too_small";
  // A message a schema wrote itself stays, except a numeric bound on a field with a unit,
  // which is told in that unit and in the units a person types.
  const own = !validatorWording.test(issue.message);
  if (own && !(isBound && unit && (issue.origin === "number" || issue.origin === "int"))) return issue.message;
  if (issue.code === "invalid_type") {
    const expected = issue.expected === "int" ? "a whole number" : article(issue.expected);
    return issue.input === undefined ? `is missing (must be ${expected})` : `must be ${expected}, not ${describe(issue.input)}`;
  }
  if (!isBound) return issue.message;
  const bound = Number(issue.code === "too_big" ? issue.maximum : issue.minimum);
  const word = issue.code === "too_big" ? (issue.inclusive ? "at most" : "less than") : issue.inclusive ? "at least" : "more than";
  if (issue.origin === "string") return issue.code === "too_small" && bound === 1 ? "must not be empty" : `must be ${word} ${bound} characters`;
  if (issue.origin === "array" || issue.origin === "set") return `must have ${word} ${bound} items`;
  if (issue.origin !== "number" && issue.origin !== "int") return issue.message;
  if (!unit) return `must be ${word} ${bound}`;
  return `must be ${word} ${bound} ${unit.short}${bound > 0 ? ` (${humanDuration(bound * unit.ms)})` : ""}`;
}

/** zod's own messages ("Too big: expected number to be <=86400000"), which no person should read. */
const validatorWording = /^(Too (big|small)|Invalid input|Unrecognized key)/;

/** 86400000 gives "1d", 90000 "1m 30s": the largest units first, as `7m` or `1h` are typed. */
export function humanDuration(ms: number): string {
  const parts: string[] = [];
  let left = Math.round(ms);
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.length > 0 ? parts.join(" ") : "0ms";
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** What was given instead, as a person would say it: "a string", "null", "a list". */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number") return String(value);
  return article(typeof value);
}
