import type { Fence } from "../lock/fence.js";
import type { LeaseStatus } from "./leaseStatus.js";
import type { ObjectRef } from "./keys.js";
import type { CommandRecord, DestroyProgress, LeaseRecord, ResourceRecord } from "./records.js";
import type { ResourceStatus } from "./resourceStatus.js";
import type { ResourceClaim } from "./errors.js";

/** What an update may change on a lease; `null` removes the expiry. */
export interface LeaseChanges {
  readonly status?: LeaseStatus;
  readonly expiresAt?: number | null;
  readonly releasedBy?: string;
  readonly releaseReason?: string;
  readonly brokenReason?: string;
}

export interface ResourceChanges {
  readonly status?: ResourceStatus;
  readonly expiresAt?: number | null;
  readonly idleCountdown?: boolean;
  readonly addLeaseId?: string;
  readonly removeLeaseId?: string;
  readonly releaseReason?: string;
  readonly brokenReason?: string;
  readonly destroy?: DestroyProgress;
  readonly deleteRequested?: true;
  /** Refuse unless the resource can take a new lease: active and not marked for deletion. */
  readonly onlyIfLeasable?: boolean;
}

/** A conditional write's result: the new record, or (refused) the record as it is now. */
export type Written<R> = { readonly ok: true; readonly record: R } | { readonly ok: false; readonly current?: R };

/** Something the expiry index says is due: a record past its expiry, or a command no worker took. */
export interface DueItem {
  readonly ref: ObjectRef;
  readonly what: "record" | "command";
  readonly at: number;
  /** For a lease record: its resource and that resource's blueprint, as the index projects them. */
  readonly resourceId?: string;
  readonly blueprint?: string;
}

/** A lease the expiry sweep ends in one transaction, with what it saw of it. */
export interface LeaseExpiry {
  readonly leaseId: string;
  readonly resourceId: string;
  readonly by: string;
  /** Refuse unless the resource is still at this version (set when a veto was asked on it). */
  readonly resourceVersion?: number;
}

/**
 * Which side refused a one-transaction expiry: it then goes through the queues, unless the
 * lease as the refusal returned it (`lease`, when it could be read) shows nothing is left to do.
 * "conflict": no condition failed, another write on one of the items was in progress
 * (DynamoDB's TransactionConflict); the same transaction may be tried again.
 */
export type LeaseExpiryOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly refusedBy: "lease" | "resource"; readonly lease?: LeaseRecord }
  | { readonly ok: false; readonly refusedBy: "conflict" };

export interface ConsumeResult {
  readonly outcome: string;
  readonly consumer: string;
  readonly at: number;
}

/**
 * Storage port for leases, resources and their command queues. Every change is one
 * conditional write: creates on absence, updates on the version read (and, from a
 * worker, on its lock's fencing token). A refused condition comes back as a value.
 */
export interface Registry {
  /**
   * Throws RecordExistsError if the id is taken. A resource with references is created in
   * one transaction that adds it to each referenced resource's `referencedBy`, refused
   * (ReferenceRefusedError) if one is missing, destroyed or marked for deletion. Each claim
   * (what its teardown acts on) is taken in the same write: refused (ClaimRefusedError) while
   * another resource that is not destroyed holds it.
   */
  createResource(resource: ResourceRecord, claims?: readonly ResourceClaim[]): Promise<void>;
  /** Takes a destroyed resource out of `referencedBy` of one it referenced. */
  removeReferrer(resourceId: string, referrerId: string, now: number): Promise<void>;
  /** Ids of resources marked for deletion and not destroyed, from the sparse index (eventually consistent). */
  markedForDeletion(): Promise<string[]>;
  createLease(lease: LeaseRecord): Promise<void>;
  getResource(id: string): Promise<ResourceRecord | undefined>;
  getLease(id: string): Promise<LeaseRecord | undefined>;
  listResources(): Promise<ResourceRecord[]>;
  listLeases(): Promise<LeaseRecord[]>;
  /**
   * Adds a lease to a resource that is active and not marked for deletion, whatever its
   * version (concurrent acquires commute); bumps the version. Refused: the resource as it is.
   */
  attachLease(resourceId: string, leaseId: string, now: number): Promise<Written<ResourceRecord>>;
  /** Applies `changes` if the record is still at `current.version`; bumps the version. */
  updateResource(current: ResourceRecord, changes: ResourceChanges, now: number, fence?: Fence): Promise<Written<ResourceRecord>>;
  updateLease(current: LeaseRecord, changes: LeaseChanges, now: number, fence?: Fence): Promise<Written<LeaseRecord>>;

  /** Takes the next sequence number of the object's queue (atomic counter). */
  allocateSeq(ref: ObjectRef, now: number): Promise<number>;
  /** Writes a command into its slot; false if the slot is already filled. `takeOverAt`: when the sweep steps in. */
  putCommand(ref: ObjectRef, command: CommandRecord, takeOverAt: number): Promise<boolean>;
  /** Every command of the object, in sequence order (consistent read). */
  readQueue(ref: ObjectRef): Promise<CommandRecord[]>;
  getCommand(ref: ObjectRef, seq: number): Promise<CommandRecord | undefined>;
  /** Fills an empty slot with a consumed placeholder; false if its appender filled it first. */
  fillGap(ref: ObjectRef, seq: number, consumer: string, now: number, fence: Fence): Promise<boolean>;
  /** Marks an unconsumed command consumed; false if it already was. */
  consumeCommand(ref: ObjectRef, seq: number, result: ConsumeResult, fence: Fence): Promise<boolean>;
  /** Leaves a command unconsumed, not to be retried before `retryAt`. */
  deferCommand(ref: ObjectRef, seq: number, retryAt: number, error: string, fence: Fence): Promise<boolean>;

  /**
   * Ends an expired lease where nothing but this needs deciding, as one transaction: the
   * lease goes to destroyed (released by `by`, reason expiry) if it is acquired or active
   * and its stored expiry is at or before `now`, and leaves its resource's lease set if the
   * resource is active and needs no worker for it (another lease remains, or no idle expiry).
   */
  expireLease(expiry: LeaseExpiry, now: number): Promise<LeaseExpiryOutcome>;
  /** Resources by id (eventually consistent, batched): for last-moment vetoes, re-checked by version. */
  getResources(ids: readonly string[]): Promise<Map<string, ResourceRecord>>;

  /** Items of one expiry shard due at or before `now`, from the sparse index. */
  dueItems(shard: string, now: number): AsyncIterable<DueItem>;
}
