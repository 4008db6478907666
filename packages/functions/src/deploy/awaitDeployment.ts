import { awaitDeployment, rolloutTaskInput, DeploySession } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { once } from "../shared/once.js";
import { deployServicesFromEnv } from "./services.js";
import type { Services } from "./task.js";

/**
 * The Lambda of the `.waitForTaskToken` task: `{ config, lock, rollout, taskToken }` in.
 * It records the token under the batch's deployment and returns at once; Step Functions
 * ignores what it returns and waits for the deployment-event function's callback.
 */
export function makeHandler(services: Services) {
  return lambda({
    job: "deploy.awaitDeployment",
    schema: rolloutTaskInput.extend({ taskToken: z.string().min(1, "must be the task token ($$.Task.Token)") }),
    fn: (input) => awaitDeployment(new DeploySession(services(), input.config, input.lock), input.rollout, input.taskToken),
  });
}

export const handler = makeHandler(once(deployServicesFromEnv));
