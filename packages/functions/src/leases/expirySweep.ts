import type { Leases } from "@scythe/core";
import { z } from "zod";
import { lambda } from "../shared/lambda.js";
import { leasesFromEnv, once } from "./deps.js";

/** The EventBridge scheduled event (its fields are not used), or `{ dryRun: true }` on demand. */
export const sweepEvent = z.looseObject({ dryRun: z.boolean().optional() });

export function makeHandler(deps: () => Leases) {
  return lambda({
    job: "lease-expiry",
    schema: sweepEvent,
    fn: async (event) => {
      const report = await deps().sweep.run({ dryRun: event.dryRun ?? false });
      return {
        dryRun: report.dryRun,
        expired: report.expired.length,
        stalled: report.stalled.length,
        consumed: report.outcomes.reduce((n, o) => n + o.consumed.length, 0),
        expiredInOneWrite: report.expiredInOneWrite,
        fannedOut: report.fannedOut,
        failures: report.failures,
      };
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
