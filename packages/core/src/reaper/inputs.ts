import { z } from "zod";
import { ValidationError } from "../errors.js";
import { parseInput } from "../validation.js";
import { Namespace } from "./namespace.js";

export const conflictStrategies = ["refresh-and-continue", "stop-when-under-limit"] as const;
export type ConflictStrategy = (typeof conflictStrategies)[number];

const minutes = z.number().positive("must be more than 0").max(7 * 24 * 60, "must be at most a week (10080 minutes)");

/** What a caller may ask of one reap pass; every entry point validates through this before anything is listed or deleted. */
export const reapInput = z.strictObject({
  /** TTL: apps at least this old are deleted, oldest first (Hatchet's HATCHET_ALIVE_TTL_MINUTES). */
  olderThanMinutes: minutes.default(7),
  /** Keep fewer than this many namespace apps; at or over it with nothing old enough, wait (Hatchet's HATCHET_APP_LIMIT). */
  limit: z.number().int("must be a whole number").min(1, "must be at least 1").max(100_000).default(20),
  /** Delete every app in the namespace whatever its age. */
  all: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  /** Regular expression over app names; default Hatchet's `^hatchet-t-[a-f0-9]+$`. */
  namespace: z.string().optional(),
  /** Deletes in flight at once. */
  concurrency: z.number().int("must be a whole number").min(1, "must be at least 1").max(64, "must be at most 64").default(4),
  onConflict: z.enum(conflictStrategies).default("refresh-and-continue"),
  /** Fresh listings allowed after conflicts in one pass; past it the pass stops (no strategy loops forever). */
  maxRefreshes: z.number().int().min(0).max(50).default(3),
  /** First throttle wait when over the limit (Hatchet: 10 s); doubles each time, capped by the TTL of the oldest app. */
  initialSleepMs: z.number().int().positive("must be positive").max(3_600_000).default(10_000),
  /** Longest total time one pass may spend waiting for apps to age. */
  maxWaitMs: z.number().int().min(0, "must not be negative").max(24 * 3_600_000).default(10 * 60_000),
});

export type ReapInput = z.input<typeof reapInput>;

export interface ReapSettings extends Omit<z.output<typeof reapInput>, "namespace"> {
  readonly namespace: Namespace;
  readonly ttlMs: number;
}

/** Validates a pass's input; throws ValidationError naming the field (the namespace included) before any call. */
export function parseReapInput(input: unknown): ReapSettings {
  refuseUnknownKeys(input);
  const parsed = parseInput(reapInput, input ?? {});
  const namespace = parsed.namespace === undefined ? Namespace.default() : Namespace.fromPattern(parsed.namespace, "namespace");
  return { ...parsed, namespace, ttlMs: Math.round(parsed.olderThanMinutes * 60_000) };
}

/** Names the unknown option itself (a typo such as `olderThan`), not just "input". */
function refuseUnknownKeys(input: unknown): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return;
  const known = Object.keys(reapInput.shape);
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ValidationError(unknown, `is not a reaper option (known: ${known.join(", ")})`);
}
