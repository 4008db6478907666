import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import { LockHeldError, LockLostError, StaleTokenError } from "../lock/errors.js";
import { fenceOf } from "../lock/fence.js";
import type { LockService } from "../lock/LockService.js";
import { withLock, type LockContext } from "../lock/withLock.js";
import type { Blueprints } from "./Blueprint.js";
import type { CommandQueue } from "../registry/CommandQueue.js";
import { VersionConflictError } from "./errors.js";
import { describeRef, objectLockName, sameRef, type ObjectRef } from "../registry/keys.js";
import { applyToLease } from "./leaseCommands.js";
import type { CommandRecord } from "../registry/records.js";
import type { Registry } from "../registry/Registry.js";
import { applyToResource } from "./resourceCommands.js";
import { defaultWorkerSettings, type Applied, type Transition, type UpdateWorkerSettings, type WorkContext } from "./WorkContext.js";

export interface DrainReport {
  readonly ref: ObjectRef;
  /** Another worker held the object's lock; it re-checks the queue before it lets go. */
  busy: boolean;
  /** This worker's lock was lost mid-way (paused past its lease); the next holder resumes. */
  lostLock: boolean;
  readonly consumed: { seq: number; command: string; author: string; outcome: string }[];
  readonly transitions: Transition[];
  readonly destroys: WorkContext["destroys"];
  deferred?: { seq: number; retryAt: number; error: string };
  readonly followUps: ObjectRef[];
}

export interface UpdateWorkerOptions {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly locks: LockService;
  readonly blueprints: Blueprints;
  readonly clock?: Clock;
  readonly workerId?: string;
  readonly settings?: Partial<UpdateWorkerSettings>;
}

/**
 * The single writer of an object (Drydock's update worker): holding the object's fenced
 * lock, it consumes the queue in sequence order, applies each command, and marks it
 * consumed with a fenced conditional update. Every write it makes carries the lock's
 * token, so a worker paused past its lease cannot overwrite its successor.
 */
export class UpdateWorker {
  readonly workerId: string;
  readonly settings: UpdateWorkerSettings;
  private readonly registry: Registry;
  private readonly queue: CommandQueue;
  private readonly locks: LockService;
  private readonly blueprints: Blueprints;
  private readonly clock: Clock;

  constructor(options: UpdateWorkerOptions) {
    this.registry = options.registry;
    this.queue = options.queue;
    this.locks = options.locks;
    this.blueprints = options.blueprints;
    this.clock = options.clock ?? systemClock;
    this.workerId = options.workerId ?? `worker:${randomUUID().slice(0, 8)}`;
    this.settings = { ...defaultWorkerSettings, ...options.settings };
  }

  /**
   * Consumes the object's queue. If another worker holds the lock this returns at once
   * (`busy`): that worker looks at the queue again after releasing the lock, and this
   * caller's command was appended before it looked, so nothing is left behind.
   */
  async drain(ref: ObjectRef): Promise<DrainReport> {
    const report: DrainReport = { ref, busy: false, lostLock: false, consumed: [], transitions: [], destroys: [], followUps: [] };
    for (let round = 0; round < this.settings.maxRounds; round++) {
      try {
        await withLock(this.locks, objectLockName(ref), { leaseMs: this.settings.lockLeaseMs }, (lock) => this.consume(ref, lock, report));
      } catch (error) {
        if (error instanceof LockHeldError) {
          report.busy = true;
          return report;
        }
        if (error instanceof LockLostError || error instanceof StaleTokenError) {
          report.lostLock = true;
          return report;
        }
        throw error;
      }
      if (report.deferred || !(await this.hasRunnable(ref))) break;
    }
    return report;
  }

  /** Drains the objects and every object their commands reached (a resource's leases, a lease's resource). */
  async drainAll(refs: readonly ObjectRef[]): Promise<DrainReport[]> {
    const reports: DrainReport[] = [];
    const pending = [...refs];
    for (let i = 0; i < pending.length && i < 1000; i++) {
      const ref = pending[i];
      if (!ref) break;
      const report = await this.drain(ref);
      reports.push(report);
      for (const next of report.followUps) if (!pending.slice(i + 1).some((p) => sameRef(p, next))) pending.push(next);
    }
    return reports;
  }

  private async consume(ref: ObjectRef, lock: LockContext, report: DrainReport): Promise<void> {
    const fence = fenceOf(lock.lease());
    for (;;) {
      if (lock.signal.aborted) throw lock.signal.reason;
      const commands = new Map((await this.registry.readQueue(ref)).map((c) => [c.seq, c]));
      const last = Math.max(0, ...commands.keys());
      let progressed = false;
      for (let seq = 1; seq <= last; seq++) {
        const command = commands.get(seq);
        if (!command) {
          // An appender took this slot and has not filled it: fill it, so it cannot land
          // behind commands already consumed. It will append again, further on.
          await this.registry.fillGap(ref, seq, this.workerId, this.clock.now(), fence);
          progressed = true;
          break;
        }
        if (command.consumedAt !== undefined) continue;
        if (command.retryAt !== undefined && command.retryAt > this.clock.now()) return;
        const context: WorkContext = {
          registry: this.registry,
          queue: this.queue,
          blueprints: this.blueprints,
          clock: this.clock,
          settings: this.settings,
          workerId: this.workerId,
          fence,
          signal: lock.signal,
          transitions: report.transitions,
          destroys: report.destroys,
          followUps: report.followUps,
        };
        const applied = await this.apply(ref, command, context);
        if (applied.kind === "defer") {
          await this.registry.deferCommand(ref, seq, applied.retryAt, applied.error, fence);
          report.deferred = { seq, retryAt: applied.retryAt, error: applied.error };
          return;
        }
        const at = this.clock.now();
        await this.registry.consumeCommand(ref, seq, { outcome: applied.outcome, consumer: this.workerId, at }, fence);
        report.consumed.push({ seq, command: command.command, author: command.author, outcome: applied.outcome });
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  private async apply(ref: ObjectRef, command: CommandRecord, context: WorkContext): Promise<Applied> {
    // A version conflict means someone outside the queue (an acquire, mark-delete) changed
    // the record after it was read: read it again and decide again.
    for (let attempt = 0; ; attempt++) {
      try {
        return ref.kind === "lease" ? await applyToLease(ref.id, command, context) : await applyToResource(ref.id, command, context);
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= 4) throw error;
      }
    }
  }

  private async hasRunnable(ref: ObjectRef): Promise<boolean> {
    const now = this.clock.now();
    return (await this.registry.readQueue(ref)).some((c) => c.consumedAt === undefined && (c.retryAt === undefined || c.retryAt <= now));
  }
}

export const describeDrain = (report: DrainReport) =>
  `${describeRef(report.ref)}: ${report.busy ? "busy" : `${report.consumed.length} command(s) consumed`}`;
