import { deployConfigSchema } from "@scythe/core/deploy";
import { acquireDeployLock } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { once } from "../shared/once.js";
import { deployServicesFromEnv } from "./services.js";
import type { Services } from "./task.js";

export function makeHandler(services: Services) {
  return lambda({
    job: "deploy.acquireLock",
    schema: z.object({ config: deployConfigSchema }),
    fn: ({ config }) => acquireDeployLock(services(), config),
  });
}

export const handler = makeHandler(once(deployServicesFromEnv));
