import type { Leases } from "@scythe/core/aws/dynamo";
import { acquireLeaseInput, extendLeaseInput, releaseLeaseInput } from "@scythe/core/leases";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

/** On-demand leases: `{ action: "acquire" | "release" | "extend", ... }`. */
export const leasesEvent = z.discriminatedUnion("action", [
  acquireLeaseInput.extend({ action: z.literal("acquire") }),
  releaseLeaseInput.extend({ action: z.literal("release") }),
  extendLeaseInput.extend({ action: z.literal("extend") }),
]);

export function makeHandler(deps: () => Leases) {
  return lambda({
    job: "leases",
    schema: leasesEvent,
    fn: async (event) => {
      const { service } = deps();
      // The service's inputs are strict: the action is the handler's, not theirs.
      switch (event.action) {
        case "acquire": {
          const { action, ...input } = event;
          return { action, lease: await service.acquire(input) };
        }
        case "release": {
          const { action, ...input } = event;
          return { action, result: await service.release(input) };
        }
        case "extend": {
          const { action, ...input } = event;
          return { action, result: await service.extend(input) };
        }
      }
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
