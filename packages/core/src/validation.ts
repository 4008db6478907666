import type { z } from "zod";
import { ValidationError } from "./errors.js";

/**
 * Parses `input` with `schema`; on failure throws a ValidationError naming the first
 * offending field (dotted path; for an unknown key, the key itself), so every entry
 * point reports bad input the same way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = "input"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? issue.path.map(String) : [];
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  throw new ValidationError(path.length > 0 ? path.join(".") : root, issue?.message ?? "invalid");
}
