import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { DynamoDBStreamSchema } from "@aws-lambda-powertools/parser/schemas/dynamodb";
import type { DynamoDBStreamRecord } from "@aws-lambda-powertools/parser/types";
import type { Deallocator } from "@scythe/core/deallocator";
import { affectedResources, type RegistryChange } from "@scythe/core/deallocator";
import { lambda } from "../shared/lambda.js";
import { logger, metrics } from "../shared/observability.js";
import { deallocatorFromEnv } from "./deps.js";

/** A batch of the registry table's stream (NEW_AND_OLD_IMAGES); Powertools' parser unmarshalls the images. */
export const deallocatorStreamEvent = DynamoDBStreamSchema;

const toChange = (record: DynamoDBStreamRecord): RegistryChange => ({ oldImage: record.dynamodb.OldImage, newImage: record.dynamodb.NewImage });

/**
 * Reacts to registry changes: a lease ended, a resource marked or destroyed. A resource
 * that cannot be judged is kept and reported; the scheduled pass looks again, so a
 * failure here never needs the batch retried.
 */
export function makeHandler(deallocator: () => Deallocator) {
  return lambda({
    job: "deallocator-stream",
    schema: deallocatorStreamEvent,
    fn: async (event) => {
      const ids = affectedResources(event.Records.map(toChange));
      if (ids.length === 0) return { examined: 0, destroyed: [], alreadyGone: [], kept: [], errors: [] };
      const report = await deallocator().evaluate(ids);
      metrics.addMetric("deallocator.destroyed", MetricUnit.Count, report.destroyed.length);
      if (report.errors.length > 0) logger.warn("resources kept: could not judge them", { errors: report.errors });
      return report;
    },
  });
}

export const handler = makeHandler(deallocatorFromEnv);
