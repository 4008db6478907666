import { cleanUpDeploy, type CleanupRequest } from "@scythe/core/deploy";
import { deployInput, deployLockName } from "@scythe/core/deploy";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { logger } from "../shared/observability.js";
import { once } from "../shared/once.js";
import { errorFromCause } from "./cause.js";
import { deployServicesFromEnv } from "./services.js";
import type { Services } from "./task.js";

const outcomes = { ABORTED: "aborted", TIMED_OUT: "timed_out", FAILED: "failed" } as const satisfies Record<string, CleanupRequest["outcome"]>;

/** The EventBridge event "Step Functions Execution Status Change" for a stopped execution. */
export const statusChangeEvent = z.object({
  source: z.literal("aws.states"),
  "detail-type": z.literal("Step Functions Execution Status Change"),
  detail: z.object({
    executionArn: z.string().min(1),
    status: z.enum(["ABORTED", "TIMED_OUT", "FAILED"]),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

/** The lock an execution would have taken, from its own input, for when it recorded none. */
function lockNameFromInput(input: string | null | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const parsed = deployInput.safeParse(JSON.parse(input));
    return parsed.success ? deployLockName(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs on an execution that was aborted, timed out or failed: a stopped execution cannot
 * run its own recovery, so this reattaches what it left detached and releases its lock.
 */
export function makeHandler(services: Services) {
  return lambda({
    job: "deploy.cleanup",
    schema: statusChangeEvent,
    fn: async ({ detail }) => {
      const lockName = lockNameFromInput(detail.input);
      const report = await cleanUpDeploy(services(), {
        executionId: detail.executionArn,
        outcome: outcomes[detail.status],
        ...(detail.error && { error: errorFromCause(detail.error, detail.cause) }),
        ...(lockName && { lockName }),
      });
      logger.info("deploy cleanup done", { report });
      return report;
    },
  });
}

export const handler = makeHandler(once(deployServicesFromEnv));
