import type { Clock } from "../clock.js";
import type { Fence } from "../lock/fence.js";
import type { Blueprints, DestroyResult } from "./Blueprint.js";
import type { CommandQueue } from "../registry/CommandQueue.js";
import { VersionConflictError } from "./errors.js";
import type { ObjectKind, ObjectRef } from "../registry/keys.js";
import type { Registry, Written } from "../registry/Registry.js";

export interface UpdateWorkerSettings {
  /** Lease of the object's lock while a worker consumes its queue (ms). */
  readonly lockLeaseMs: number;
  /** Pauses between attempts at a teardown that failed temporarily, within one run (ms). */
  readonly destroyRetryDelaysMs: readonly number[];
  /** After those attempts, how long until the command is tried again (ms). */
  readonly deferMs: number;
  /** How far a vetoed expiry is pushed back before the blueprint is asked again (ms). */
  readonly vetoDelayMs: number;
  /** Reclaim is refused this soon after the resource changed or lost a lease (ms). */
  readonly reclaimGraceMs: number;
  /** Lock rounds per drain: a worker re-checks the queue after giving the lock up. */
  readonly maxRounds: number;
}

/** Drydock's timings: temporary failures retried after 5–15 s, reclaim refused for 3 minutes. */
export const defaultWorkerSettings: UpdateWorkerSettings = {
  lockLeaseMs: 30_000,
  destroyRetryDelaysMs: [5_000, 10_000, 15_000],
  deferMs: 60_000,
  vetoDelayMs: 60_000,
  reclaimGraceMs: 3 * 60_000,
  maxRounds: 10,
};

export interface Transition {
  readonly ref: ObjectRef;
  readonly from: string;
  readonly to: string;
}

/** What one command did: its outcome (then it is consumed) or a later retry (it stays queued). */
export type Applied =
  | { readonly kind: "done"; readonly outcome: string }
  | { readonly kind: "defer"; readonly retryAt: number; readonly error: string };

export const done = (outcome: string): Applied => ({ kind: "done", outcome });

/** A command its object's state does not allow (extend a destroyed lease): consumed, but nothing done. */
export const refusedPrefix = "refused: ";
export const isRefusal = (outcome: string | undefined): boolean => outcome?.startsWith(refusedPrefix) ?? false;

/** Everything a command handler needs while the worker holds the object's lock. */
export interface WorkContext {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly blueprints: Blueprints;
  readonly clock: Clock;
  readonly settings: UpdateWorkerSettings;
  readonly workerId: string;
  readonly fence: Fence;
  readonly signal: AbortSignal;
  readonly transitions: Transition[];
  readonly destroys: { resourceId: string; result: DestroyResult }[];
  readonly followUps: ObjectRef[];
}

/** The new record, or a VersionConflictError: the worker re-reads and applies the command again. */
export function written<R extends { version: number }>(out: Written<R>, kind: ObjectKind, id: string, version: number): R {
  if (out.ok) return out.record;
  throw new VersionConflictError(kind, id, version);
}
