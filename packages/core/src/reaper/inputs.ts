import * as z from "zod";
import { parseInput } from "../validation.js";
import { Namespace } from "./namespace.js";

export const conflictStrategies = ["refresh-and-continue", "stop-when-under-limit"] as const;
export type ConflictStrategy = (typeof conflictStrategies)[number];

const minutes = z.number().positive("must be more than 0").max(7 * 24 * 60, "must be at most a week (10080 minutes)");

/** What a pass does when asked nothing: Hatchet's defaults. */
export const reapDefaults = {
  olderThanMinutes: 7,
  limit: 20,
  all: false,
  dryRun: false,
  concurrency: 4,
  onConflict: "refresh-and-continue",
  maxRefreshes: 3,
  initialSleepMs: 10_000,
  maxWaitMs: 10 * 60_000,
} as const satisfies Record<string, unknown>;

/** Names the unknown option itself (a typo such as `olderThan`) and the ones the schema knows. */
const unknownOption = (issue: z.core.$ZodRawIssue) =>
  issue.code === "unrecognized_keys" && issue.inst instanceof z.ZodObject ? `is not a reaper option (known: ${Object.keys(issue.inst.shape).join(", ")})` : undefined;

/**
 * What a caller may ask of one reap pass; every entry point parses its input once with this
 * (or a `pick` of it, which refuses unknown keys the same way) before anything is listed or deleted.
 */
export const reapInput = z.strictObject(
  {
    /** TTL: apps at least this old are deleted, oldest first (Hatchet's HATCHET_ALIVE_TTL_MINUTES). */
    olderThanMinutes: minutes.default(reapDefaults.olderThanMinutes),
    /** Keep fewer than this many namespace apps; at or over it with nothing old enough, wait (Hatchet's HATCHET_APP_LIMIT). */
    limit: z.number().int("must be a whole number").min(1, "must be at least 1").max(100_000).default(reapDefaults.limit),
    /** Delete every app in the namespace whatever its age. */
    all: z.boolean().default(reapDefaults.all),
    dryRun: z.boolean().default(reapDefaults.dryRun),
    /** Regular expression over app names; default Hatchet's `^hatchet-t-[a-f0-9]+$`. */
    namespace: z.string().optional(),
    /** Deletes in flight at once. */
    concurrency: z.number().int("must be a whole number").min(1, "must be at least 1").max(64, "must be at most 64").default(reapDefaults.concurrency),
    onConflict: z.enum(conflictStrategies).default(reapDefaults.onConflict),
    /** Fresh listings allowed after conflicts in one pass; past it the pass stops (no strategy loops forever). */
    maxRefreshes: z.number().int().min(0).max(50).default(reapDefaults.maxRefreshes),
    /** First throttle wait when over the limit (Hatchet: 10 s); doubles each time, capped by the TTL of the oldest app. */
    initialSleepMs: z.number().int().positive("must be positive").max(3_600_000).default(reapDefaults.initialSleepMs),
    /** Longest total time one pass may spend waiting for apps to age. */
    maxWaitMs: z.number().int().min(0, "must not be negative").max(24 * 3_600_000).default(reapDefaults.maxWaitMs),
  },
  { error: unknownOption },
);

export type ReapInput = z.input<typeof reapInput>;
/** Options as reapInput parsed them (defaults applied), the namespace still a pattern. */
export type ReapOptions = z.output<typeof reapInput>;

export interface ReapSettings extends Omit<ReapOptions, "namespace"> {
  readonly namespace: Namespace;
  readonly ttlMs: number;
}

/** The settings a pass runs on, from options already parsed; the namespace compiled once by the caller (default Hatchet's). */
export function reapSettings(options: Omit<ReapOptions, "namespace">, namespace: Namespace = Namespace.default()): ReapSettings {
  return { ...options, namespace, ttlMs: Math.round(options.olderThanMinutes * 60_000) };
}

/** Parses a pass's input once; throws ValidationError naming the field (the namespace included) before any call. */
export function parseReapInput(input: unknown): ReapSettings {
  const { namespace, ...options } = parseInput(reapInput, input ?? {});
  return reapSettings(options, namespace === undefined ? undefined : Namespace.fromPattern(namespace, "namespace"));
}
