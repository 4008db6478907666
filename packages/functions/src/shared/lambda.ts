import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { logger, metrics } from "./observability.js";
import { recordOutcome } from "./recordOutcome.js";
import { validateInput } from "./validateInput.js";

/**
 * The one way Scythe's handlers are put together: structured logs, EMF metrics, an
 * outcome metric, and input validated before `fn` runs.
 */
export function lambda<S extends z.ZodType, R>(options: {
  job: string;
  schema: S;
  fn: (input: z.infer<S>, context: Context) => Promise<R>;
}) {
  const { job, schema, fn } = options;
  const handler = (event: z.infer<S>, context: Context): Promise<R> => fn(event, context);
  return middy<z.infer<S>, R>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(recordOutcome({ job, metrics, logger }))
    .use(validateInput({ schema }));
}
