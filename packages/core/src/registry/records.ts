import type { LeaseStatus } from "./leaseStatus.js";
import type { ResourceStatus } from "./resourceStatus.js";

/** Progress of a resource's teardown, written (fenced) before the blueprint is called. */
export interface DestroyProgress {
  readonly startedAt: number;
  readonly attempts: number;
  readonly lastError?: string;
}

export interface ResourceRecord {
  readonly id: string;
  readonly kind: string;
  readonly blueprint: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly status: ResourceStatus;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Epoch ms after which the resource is released by the expiry sweep. */
  readonly expiresAt?: number;
  /** Once its last lease ends, the resource expires this long after (0: released at once). */
  readonly expireAfterIdleMs?: number;
  /** The expiry is the idle countdown (set when the last lease ended); a new lease stops it. */
  readonly idleCountdown?: boolean;
  /** Ids of leases that hold the resource (pending, acquired or active). */
  readonly leaseIds: readonly string[];
  /** Set by `resources mark-delete`; the deallocator destroys it once nothing holds it. */
  readonly deleteRequested?: boolean;
  /** Ids of other resources this one depends on (a network, a database). */
  readonly references: readonly string[];
  /**
   * Ids of resources that reference this one, added in the same transaction that creates
   * them and removed once they are destroyed: a superset of the live referrers.
   */
  readonly referencedBy?: readonly string[];
  readonly releaseReason?: string;
  readonly destroy?: DestroyProgress;
  readonly brokenReason?: string;
}

export interface LeaseRecord {
  readonly id: string;
  readonly resourceId: string;
  /** The resource's blueprint, copied at acquire (it never changes), so expiry knows whether a veto applies. */
  readonly blueprint?: string;
  readonly holder: string;
  readonly status: LeaseStatus;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt?: number;
  readonly releasedBy?: string;
  readonly releaseReason?: string;
  readonly brokenReason?: string;
}

export type CommandName = CommandBody["command"];

/** Why a release was asked for; an expiry release is re-checked against the record. */
export type ReleaseReason = "request" | "expiry" | "resource-released" | "idle";

export type CommandBody =
  | { readonly command: "release"; readonly reason: ReleaseReason; readonly dueAt?: number }
  | { readonly command: "reclaim" }
  /** Sent by the deallocator: destroy a resource marked for deletion once nothing live uses it. */
  | { readonly command: "deallocate" }
  | { readonly command: "extend"; readonly newExpiresAt: number }
  /** Sent by a lease's worker to its resource once the lease is destroyed. */
  | { readonly command: "lease-ended"; readonly leaseId: string }
  /** Written by a worker into a slot whose appender never filled it, so the queue has no holes. */
  | { readonly command: "gap" };

export type CommandRecord = CommandBody & {
  readonly seq: number;
  readonly author: string;
  readonly createdAt: number;
  readonly consumedAt?: number;
  readonly consumedBy?: string;
  readonly outcome?: string;
  /** A command deferred by a temporary failure is not retried before this time. */
  readonly retryAt?: number;
  readonly lastError?: string;
};
