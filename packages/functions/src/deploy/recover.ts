import { cleanUpDeploy } from "@scythe/core/deploy";
import { caughtError } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { once } from "../shared/once.js";
import { errorFromCause } from "./cause.js";
import { deployServicesFromEnv } from "./services.js";
import type { Services } from "./task.js";

/** The state machine's own recovery: reattach what the stopped rollout left out, release the lock. */
export function makeHandler(services: Services) {
  return lambda({
    job: "deploy.recover",
    schema: z.object({ executionId: z.string().min(1), error: caughtError }),
    fn: ({ executionId, error }) =>
      cleanUpDeploy(services(), { executionId, outcome: "failed", error: errorFromCause(error.Error, error.Cause) }),
  });
}

export const handler = makeHandler(once(deployServicesFromEnv));
