import { reapInput } from "@scythe/core/reaper/inputs";

/**
 * What the reaper Lambda accepts: the cron sends `{}`, an operator may send any of these.
 * Unknown fields are refused (a typo must not silently run with defaults).
 */
export const reaperEvent = reapInput.pick({ olderThanMinutes: true, limit: true, all: true, dryRun: true });
