import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { metricNamespace, metricService } from "@scythe/core/operations";

/**
 * One structured JSON logger and one EMF metrics sink per Lambda cold start. Every metric
 * carries the stage (SST sets SST_STAGE on each function), so stages sharing an account
 * never trip each other's alarms.
 */
export const logger = new Logger({ serviceName: metricService });
export const metrics = new Metrics({
  namespace: metricNamespace,
  serviceName: metricService,
  defaultDimensions: { stage: process.env.SST_STAGE ?? "local" },
});
