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
      switch (event.action) {
        case "acquire":
          return { action: event.action, lease: await service.acquire(event) };
        case "release":
          return { action: event.action, result: await service.release(event) };
        case "extend":
          return { action: event.action, result: await service.extend(event) };
      }
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
