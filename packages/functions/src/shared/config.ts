import { herokuApiUrl, herokuBudget } from "@scythe/core/aws/heroku";
import { parseInput } from "@scythe/core/validation";
import * as z from "zod";
import { tableNameFromEnv } from "./env.js";

/** Set but empty counts as not set: a stack that passes "" means "use the default". */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
const list = z.string().transform((raw) => {
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items.length > 0 ? items : undefined;
});

/**
 * Every variable Scythe's functions read besides the tables, checked once per cold start:
 * a misconfigured stage fails there, naming the variable, not in the middle of a run. A
 * function is given only what it uses, so each is optional or has a default here.
 */
const environment = z.object({
  HEROKU_API_URL: optional(z.url()).transform((url) => url ?? herokuApiUrl),
  SCYTHE_REAPER_NAMESPACE: optional(z.string()),
  SCYTHE_REAPER_RESERVE: z.coerce.number().int().min(0).lt(herokuBudget).default(300),
  SCYTHE_REAPER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SCYTHE_EXPIRY_QUEUE_URL: optional(z.string()),
  SCYTHE_EXPIRY_INLINE_LIMIT: optional(z.coerce.number().int().min(0)),
  SCYTHE_OPSWORKS_STACKS: optional(list),
  AWS_LAMBDA_LOG_STREAM_NAME: optional(z.string()),
});

export type FunctionConfig = z.output<typeof environment> & {
  /** A bound table's name, or a ValidationError naming its variable when the stack gave none. */
  readonly table: (key: "locks" | "registry") => string;
};

/** Reads and checks the function's environment (one reading per cold start: call it once, keep the result). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const parsed = parseInput(environment, env, "environment");
  return { ...parsed, table: (key) => tableNameFromEnv(key, env) };
}

