import { checkAgainstFleet } from "@scythe/core/deploy";
import { deployConfig, servicesFor } from "@scythe/core/deploy";
import type { DeployServices } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { once } from "../shared/once.js";
import { deployTargetFromEnv } from "./target.js";

/** What the first state passes: the raw execution input and the execution's own id and start. */
export const validateEvent = z.object({ input: z.unknown(), executionId: z.string().min(1), startedAt: z.iso.datetime({ offset: true }) });

/**
 * Validates the execution input and checks its ids and batch size against the fleet (a
 * bad field fails the execution here, naming it, before any lock or detach); derives the config.
 */
export function makeHandler(services: () => Pick<DeployServices, "target" | "ec2">) {
  return lambda({
    job: "deploy.validate",
    schema: validateEvent,
    fn: async ({ input, executionId, startedAt }) => {
      const config = deployConfig(input, executionId, Date.parse(startedAt));
      await checkAgainstFleet(servicesFor(services(), config).target, config);
      return config;
    },
  });
}

export const handler = makeHandler(once(deployTargetFromEnv));
