import { handlePartEvent, ssmInvocationEnd, type TaskCallbacks, type TaskWaits } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { logger } from "../shared/observability.js";
import { once } from "../shared/once.js";
import { waitServicesFromEnv } from "./services.js";

/** The EventBridge event "EC2 Command Invocation Status-change Notification" (the rule matches source and detail type). */
export const invocationStatusChange = z.object({
  source: z.literal("aws.ssm"),
  "detail-type": z.literal("EC2 Command Invocation Status-change Notification"),
  detail: z.object({
    "command-id": z.string().min(1),
    "instance-id": z.string().min(1),
    status: z.string().min(1),
  }),
});

/**
 * On the EventBridge rule for SSM command invocation status changes: records the instance's
 * final status under its command, and completes (or fails) the task waiting for that
 * command's batch once every instance's invocation has ended, or at the first that did not
 * succeed. Idempotent: a second copy, a late event, a running status, or an event for a
 * command no deploy waits on changes no task.
 */
export function makeHandler(services: () => { waits: TaskWaits; callbacks: TaskCallbacks }) {
  return lambda({
    job: "deploy.commandEvent",
    schema: invocationStatusChange,
    fn: async (event) => {
      const { waits, callbacks } = services();
      const result = await handlePartEvent(waits, callbacks, ssmInvocationEnd(event));
      const what = { commandId: event.detail["command-id"], instanceId: event.detail["instance-id"], status: event.detail.status, result };
      logger.info("command event", what);
      return what;
    },
  });
}

export const handler = makeHandler(once(waitServicesFromEnv));
