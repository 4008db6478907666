import type { z } from "zod";
import { ValidationError } from "./errors.js";

/**
 * Parses `input` with `schema`; on failure throws a ValidationError naming the first
 * offending field (dotted path), so every entry point reports bad input the same way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = "input"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : root;
  throw new ValidationError(path, issue?.message ?? "invalid");
}
