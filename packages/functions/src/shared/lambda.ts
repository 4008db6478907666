import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { heartbeat } from "./heartbeat.js";
import { logger, metrics } from "./observability.js";
import { recordOutcome } from "./recordOutcome.js";
import { validateInput } from "./validateInput.js";

interface Job<S extends z.ZodType, R, C extends Context> {
  job: string;
  schema: S;
  /** Gets the input as the schema parsed it (defaults applied): nothing parses it again. */
  fn: (input: z.output<S>, context: C) => Promise<R>;
  /** Runs on a schedule: emits `<job>.heartbeat` every run, which the missed-run alarm watches. */
  scheduled?: boolean;
}

/** A handler as the Lambda runtime (and the local world) calls it. */
export type LambdaHandler<S extends z.ZodType, R> = (event: z.input<S>, context: Context) => Promise<R>;

/**
 * The one way Scythe's handlers are put together: structured logs, EMF metrics, an
 * outcome metric, a heartbeat for scheduled jobs, and input validated before `fn` runs.
 * With `context`, a middleware that completes the Lambda context to `C` (the Heroku
 * token): it runs after validation, so a bad payload costs no secret lookup, and `fn`
 * gets the typed context.
 */
export function lambda<S extends z.ZodType, R, C extends Context>(options: Job<S, R, C> & { context: MiddlewareObj<unknown, unknown, Error, C> }): LambdaHandler<S, R>;
export function lambda<S extends z.ZodType, R>(options: Job<S, R, Context>): LambdaHandler<S, R>;
export function lambda<S extends z.ZodType, R, C extends Context>(options: Job<S, R, C> & { context?: MiddlewareObj<unknown, unknown, Error, C> }): LambdaHandler<S, R> {
  const { job, schema, fn, scheduled = false } = options;
  // Callers send the schema's input shape; validateInput has replaced it with the parsed output by now.
  const handler = (event: z.input<S>, context: C): Promise<R> => fn(event as z.output<S>, context);
  const observed = middy<z.input<S>, R, Error, C>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(recordOutcome({ job, metrics, logger }));
  const validated = (scheduled ? observed.use(heartbeat({ job, metrics })) : observed).use(validateInput({ schema }));
  const pipeline = options.context ? validated.use(options.context) : validated;
  // The runtime passes a plain Context; the `context` middleware (the only way to ask for a
  // C wider than Context, by the overloads above) completes it before `fn` runs.
  return (event, context) => pipeline(event, context as C);
}
