import { reapInput } from "@scythe/core/reaper";

/**
 * What the reaper Lambda accepts, parsed once here: the cron sends `{}`, an operator may send
 * any of these. Unknown fields are refused, naming them (a typo must not silently run with
 * defaults); the stage sets the namespace and the concurrency, never the event.
 */
export const reaperEvent = reapInput.pick({ olderThanMinutes: true, limit: true, all: true, dryRun: true });
