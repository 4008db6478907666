import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { systemClock, type Clock } from "../clock.js";
import { parseInput } from "../validation.js";
import { LockHeldError, LockLostError } from "./errors.js";
import { acquireInput, lockName, semaphoreInput } from "./inputs.js";
import type { LockRecord, LockStore } from "./LockStore.js";
import { sleep } from "./sleep.js";

/** A lease on a lock: proof of holding it, and the token that fences writes made under it. */
export interface Lease {
  /** The lock item held: the lock name, or `name#i` for permit i of a semaphore. */
  readonly name: string;
  readonly owner: string;
  readonly token: number;
  readonly leaseMs: number;
  /** Epoch ms by this process's clock, after which the holder must assume the lease is gone. */
  readonly validUntil: number;
}

export interface LockStatus {
  readonly name: string;
  /** False when the lock has never been acquired (no item yet); its token is then 0. */
  readonly exists: boolean;
  readonly held: boolean;
  readonly holder?: string;
  readonly token: number;
  readonly expiresAt?: number;
}

export interface LockServiceOptions {
  readonly store: LockStore;
  readonly clock?: Clock;
  /**
   * Largest clock difference tolerated between processes (ms, default 1000). A contender
   * takes over only when the stored expiry is older than its own clock minus this margin;
   * a holder stops trusting its lease this long before its own expiry.
   */
  readonly skewMs?: number;
  /** Identifies this process in the lock table (default host:pid:random). */
  readonly ownerId?: string;
  /** Longest pause between attempts while waiting for a held lock (ms, default 500). */
  readonly maxPollMs?: number;
}

export interface AcquireOptions {
  readonly leaseMs: number;
  /** How long to keep trying while another owner holds the lock (ms, default 0). */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Leases with fencing tokens on a LockStore. Expiry is decided by wall clocks: the
 * holder writes `expiresAt` by its clock, and a contender compares it with its own
 * clock less `skewMs`. So clocks must agree within `skewMs` (NTP-synced hosts, Lambda).
 */
export class LockService {
  readonly ownerId: string;
  readonly skewMs: number;
  private readonly store: LockStore;
  private readonly clock: Clock;
  private readonly maxPollMs: number;

  constructor(options: LockServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.skewMs = options.skewMs ?? 1000;
    this.maxPollMs = options.maxPollMs ?? 500;
    this.ownerId = options.ownerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Acquires `name`, waiting up to `waitMs` for a holder to release or expire. */
  async acquire(name: string, options: AcquireOptions): Promise<Lease> {
    const input = parseInput(acquireInput, { name, leaseMs: options.leaseMs, waitMs: options.waitMs });
    return this.acquireAny([input.name], input.leaseMs, input.waitMs, options.signal);
  }

  /**
   * Acquires one of `permits` permits of the semaphore `name` (the Redis semaphore the old
   * deployer used). Each permit is its own fenced lock item, `name#0` .. `name#(permits-1)`.
   */
  async acquirePermit(name: string, permits: number, options: AcquireOptions): Promise<Lease> {
    const input = parseInput(semaphoreInput, { name, permits, leaseMs: options.leaseMs, waitMs: options.waitMs });
    const start = Math.floor(Math.random() * input.permits);
    const items = Array.from({ length: input.permits }, (_, i) => `${input.name}#${(start + i) % input.permits}`);
    return this.acquireAny(items, input.leaseMs, input.waitMs, options.signal);
  }

  /** Pushes the lease's expiry `leaseMs` from now. Throws LockLostError if it is no longer held. */
  async extend(lease: Lease, leaseMs = lease.leaseMs): Promise<Lease> {
    const now = this.clock.now();
    const record = await this.store.extend(lease.name, lease.owner, lease.token, now + leaseMs);
    if (!record) throw new LockLostError(lease.name, lease.token);
    return { ...lease, leaseMs, validUntil: now + leaseMs - this.skewMs };
  }

  /** Gives the lock up, keeping its token so the next holder's is higher. */
  async release(lease: Lease): Promise<void> {
    const released = await this.store.release(lease.name, lease.owner, lease.token);
    if (!released) throw new LockLostError(lease.name, lease.token, await this.whyNotReleased(lease));
  }

  /** Says truthfully why a release was refused: a second release, a successor, or a lock never taken. */
  private async whyNotReleased(lease: Lease): Promise<string> {
    const record = await this.store.get(lease.name);
    if (!record) return "it has never been acquired";
    if (!this.isLive(record, this.clock.now())) {
      if (record.holder === undefined) {
        return record.token === lease.token ? "it was already released (it is free)" : `it is free; the latest holder had token ${record.token}`;
      }
      return `${record.holder} took it with token ${record.token} and its lease has run out (it is free to acquire)`;
    }
    return `it is held by ${record.holder ?? "another owner"} with token ${record.token}`;
  }

  /** This service's clock, for helpers that schedule against the same time as the leases. */
  now(): number {
    return this.clock.now();
  }

  async status(name: string): Promise<LockStatus> {
    const checked = parseInput(lockName, name, "name");
    const record = await this.store.get(checked);
    if (!record) return { name: checked, exists: false, held: false, token: 0 };
    const held = this.isLive(record, this.clock.now());
    return held
      ? { name: checked, exists: true, held, holder: record.holder, token: record.token, expiresAt: record.expiresAt }
      : { name: checked, exists: true, held, token: record.token };
  }

  private isLive(record: LockRecord, now: number): boolean {
    return record.holder !== undefined && record.expiresAt >= now - this.skewMs;
  }

  private async acquireAny(items: string[], leaseMs: number, waitMs: number, signal?: AbortSignal): Promise<Lease> {
    const deadline = this.clock.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      let soonest: LockRecord | undefined;
      for (const item of items) {
        const now = this.clock.now();
        const outcome = await this.store.acquire(item, this.ownerId, now + leaseMs, now - this.skewMs);
        if (outcome.acquired) {
          return { name: item, owner: this.ownerId, token: outcome.lock.token, leaseMs, validUntil: now + leaseMs - this.skewMs };
        }
        if (!soonest || outcome.current.expiresAt < soonest.expiresAt) soonest = outcome.current;
      }
      const now = this.clock.now();
      if (!soonest || now >= deadline || signal?.aborted) {
        throw new LockHeldError(items[0] ?? "", soonest?.holder ?? "unknown", soonest?.expiresAt ?? 0);
      }
      // Poll: a release is seen at the next attempt, an expiry right after it happens.
      const untilExpiry = soonest.expiresAt + this.skewMs - now + 1;
      const backoff = Math.min(this.maxPollMs, 25 * 2 ** Math.min(attempt, 5));
      const pause = Math.max(1, Math.min(untilExpiry, backoff * (0.5 + Math.random() / 2), deadline - now));
      await sleep(pause, signal);
    }
  }
}
