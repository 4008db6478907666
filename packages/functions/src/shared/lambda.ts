import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { heartbeat } from "./heartbeat.js";
import { logger, metrics } from "./observability.js";
import { recordOutcome } from "./recordOutcome.js";
import { validateInput } from "./validateInput.js";

/**
 * The one way Scythe's handlers are put together: structured logs, EMF metrics, an
 * outcome metric, a heartbeat for scheduled jobs, and input validated before `fn` runs.
 */
export function lambda<S extends z.ZodType, R>(options: {
  job: string;
  schema: S;
  fn: (input: z.output<S>, context: Context) => Promise<R>;
  /** Runs on a schedule: emits `<job>.heartbeat` every run, which the missed-run alarm watches. */
  scheduled?: boolean;
}) {
  const { job, schema, fn, scheduled = false } = options;
  // Callers send the schema's input shape; validateInput has replaced it with the parsed output by now.
  const handler = (event: z.input<S>, context: Context): Promise<R> => fn(event as z.output<S>, context);
  const pipeline = middy<z.input<S>, R>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(recordOutcome({ job, metrics, logger }));
  return (scheduled ? pipeline.use(heartbeat({ job, metrics })) : pipeline).use(validateInput({ schema }));
}
