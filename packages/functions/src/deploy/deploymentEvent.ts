import { handleWaitEvent, opsworksDeploymentOutcome, type TaskCallbacks, type TaskWaits } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { logger } from "../shared/observability.js";
import { once } from "../shared/once.js";
import { waitServicesFromEnv } from "./services.js";

/** The EventBridge event "OpsWorks Deployment State Change" (the rule matches source and detail type). */
export const deploymentStateChange = z.object({
  source: z.literal("aws.opsworks"),
  "detail-type": z.literal("OpsWorks Deployment State Change"),
  detail: z.object({
    "deployment-id": z.string().min(1),
    status: z.string().min(1),
    "instance-ids": z.array(z.string()).optional(),
  }),
});

/**
 * On the EventBridge rule for OpsWorks deployment state changes: completes (or fails) the
 * task waiting for that deployment. Idempotent: a second copy of an event, a late one, or
 * one for a deployment no deploy waits for changes no task.
 */
export function makeHandler(services: () => { waits: TaskWaits; callbacks: TaskCallbacks }) {
  return lambda({
    job: "deploy.deploymentEvent",
    schema: deploymentStateChange,
    fn: async (event) => {
      const { waits, callbacks } = services();
      const result = await handleWaitEvent(waits, callbacks, opsworksDeploymentOutcome(event));
      logger.info("deployment event", { deploymentId: event.detail["deployment-id"], status: event.detail.status, result });
      return { deploymentId: event.detail["deployment-id"], status: event.detail.status, result };
    },
  });
}

export const handler = makeHandler(once(waitServicesFromEnv));
