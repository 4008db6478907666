import * as z from "zod";
import { systemClock, type Clock } from "../clock.js";
import type { ProgressListener } from "../progress.js";
import type { Blueprints } from "./Blueprint.js";
import type { CommandQueue } from "../registry/CommandQueue.js";
import { expiryShards } from "../registry/expiryIndex.js";
import { inlineShare, type ExpiryFanOut } from "./ExpiryFanOut.js";
import { describeRef, sameRef, type ObjectRef } from "../registry/keys.js";
import { keyedLimit } from "./mapLimit.js";
import { sleep } from "../lock/sleep.js";
import type { Registry } from "../registry/Registry.js";
import type { LeaseRecord, ResourceRecord } from "../registry/records.js";
import type { DrainReport, UpdateWorker } from "./UpdateWorker.js";

/**
 * One piece of expiry work: an object past its expiry (`dueAt`), or one whose command
 * waited too long (no `dueAt`). A lease carries its resource and blueprint from the index.
 * Plain data: it is also the body of a fanned-out message.
 */
export interface DueWork {
  readonly ref: ObjectRef;
  readonly dueAt?: number;
  readonly resourceId?: string;
  readonly blueprint?: string;
}

export interface ExpiryOutcome {
  readonly ref: ObjectRef;
  /**
   * "transaction": a lease ended in one write; "queue": a release command and the object's
   * worker; "settled": the refused write showed the lease already destroyed or no longer due
   * (a duplicate message, a sweep that raced another): nothing written, nothing queued.
   */
  readonly path: "transaction" | "queue" | "settled";
  readonly consumed: DrainReport["consumed"];
  readonly busy: boolean;
  readonly deferred?: DrainReport["deferred"];
}

export interface SweepReport {
  readonly dryRun: boolean;
  readonly now: number;
  /** Leases and resources past their expiry (a release command was appended unless dry run). */
  readonly expired: ObjectRef[];
  /** Objects with a command no worker consumed in time (a missed stream event, a crashed worker). */
  readonly stalled: ObjectRef[];
  /** Leases ended in one transaction by this invocation. */
  expiredInOneWrite: number;
  /** Pieces of work handed to other invocations (the fan-out queue), not done here. */
  fannedOut: number;
  /** What each object's worker did, when not a dry run. */
  readonly outcomes: ExpiryOutcome[];
  /** Objects the sweep could not handle, and why; the sweep carries on past them. */
  readonly failures: { ref: ObjectRef; error: string }[];
  /** When the longest-overdue expired object fell due (epoch ms): the sweep's lag is `now` minus this. */
  oldestDueAt?: number;
}

export interface ExpirySweepOptions {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly worker: UpdateWorker;
  /** The blueprints' last-moment vetoes; without them every expiry goes through the queues. */
  readonly blueprints?: Blueprints;
  readonly clock?: Clock;
  /** Objects handled at once (default 16). */
  readonly concurrency?: number;
  /** Author recorded on the release commands (default "system/expiry-sweep"). */
  readonly author?: string;
  /** Where work goes when there is more than `inlineLimit` of it (an SQS queue and its consumer). */
  readonly fanOut?: ExpiryFanOut;
  /** Most work one invocation does itself before fanning out (default 500): the ceiling. */
  readonly inlineLimit?: number;
  /**
   * With the invocation's remaining time known: work done here first to measure the pace,
   * and never sent when that is all there is (default 32): the floor.
   */
  readonly minInline?: number;
  /** Time kept free at the end of an invocation, for the report and the metrics (ms, default 5000). */
  readonly reserveMs?: number;
}

export interface SweepRunOptions {
  dryRun?: boolean;
  onProgress?: ProgressListener;
  /**
   * The invocation's time left (Lambda's `context.getRemainingTimeInMillis`). With it, the
   * sweep does what fits at the pace it measures and fans out the rest; without it, it fans
   * everything out when more than `inlineLimit` is due.
   */
  remainingMs?: () => number;
}

/** A fanned-out message's body, checked before any work is done on it. */
export const dueWork = z.object({
  ref: z.object({ kind: z.enum(["lease", "resource"]), id: z.string().min(1) }),
  dueAt: z.number().optional(),
  resourceId: z.string().min(1).optional(),
  blueprint: z.string().min(1).optional(),
});

/**
 * The object a piece of work writes to last, and so the one two pieces of work must not write
 * at once: a lease ended in one transaction writes its resource (two transactions on one item
 * at once cancel each other in DynamoDB), so a resource's leases and its own expiry share it.
 */
export function expiryWriter(work: DueWork): string {
  if (work.ref.kind === "resource") return describeRef(work.ref);
  return work.resourceId !== undefined ? describeRef({ kind: "resource", id: work.resourceId }) : describeRef(work.ref);
}

/** Tries of an expiry transaction that another write keeps cancelling (TransactionConflict), and the backoff between them (ms, times the try, jittered). */
const conflictTries = 3;
const conflictBackoffMs = 20;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Finds what is due through the sparse expiry index (one Query per shard, reading only
 * due items). A lease whose resource needs no decision ends in one transaction (lease
 * destroyed, resource's lease set updated), after its blueprint's veto; anything else gets
 * a system-authored release command and its object's worker, as any release would. When
 * more is due than one invocation should do, the work is fanned out to the queue's consumers.
 */
export class ExpirySweep {
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly author: string;
  private readonly inlineLimit: number;

  constructor(private readonly options: ExpirySweepOptions) {
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 16;
    this.author = options.author ?? "system/expiry-sweep";
    this.inlineLimit = options.inlineLimit ?? 500;
  }

  async run(options: SweepRunOptions = {}): Promise<SweepReport> {
    const dryRun = options.dryRun ?? false;
    const now = this.clock.now();
    const expired: DueWork[] = [];
    const stalled: ObjectRef[] = [];
    for (const shard of expiryShards) {
      for await (const item of this.options.registry.dueItems(shard, now)) {
        if (item.what === "record") expired.push({ ref: item.ref, dueAt: item.at, resourceId: item.resourceId, blueprint: item.blueprint });
        else if (!stalled.some((r) => sameRef(r, item.ref))) stalled.push(item.ref);
      }
    }
    const report = emptyReport(dryRun, now, expired.map((e) => e.ref), stalled);
    const oldestDueAt = expired.length > 0 ? Math.min(...expired.map((e) => e.dueAt ?? now)) : undefined;
    if (oldestDueAt !== undefined) report.oldestDueAt = oldestDueAt;
    if (dryRun) return report;

    const work: DueWork[] = [...expired, ...stalled.filter((r) => !expired.some((e) => sameRef(e.ref, r))).map((ref) => ({ ref }))];
    let here = work;
    if (this.options.fanOut && options.remainingMs) {
      await this.expireInTime(work, report, options.remainingMs, options.onProgress);
      return report;
    }
    if (this.options.fanOut && work.length > this.inlineLimit) {
      const unsent = await this.options.fanOut.send(work);
      report.fannedOut = work.length - unsent.length;
      // What could not be queued is done here, as far as one invocation should go; the next sweep finds the rest.
      here = unsent.slice(0, this.inlineLimit);
    }
    await this.expire(here, report, options.onProgress);
    return report;
  }

  /** Does the floor here, measuring the pace; fans out what would not fit in the time left; does the rest. */
  private async expireInTime(work: readonly DueWork[], report: SweepReport, remainingMs: () => number, onProgress?: ProgressListener): Promise<void> {
    const fanOut = this.options.fanOut;
    const limits = { minInline: this.options.minInline ?? 32, maxInline: this.inlineLimit };
    const budget = () => remainingMs() - (this.options.reserveMs ?? 5_000);
    // The pace is measured in real time (the clock may be a test's frozen one).
    const started = performance.now();
    const first = work.slice(0, inlineShare({ pending: work.length, done: 0, elapsedMs: 0, budgetMs: budget(), ...limits }));
    await this.expire(first, report, onProgress);
    const rest = work.slice(first.length);
    if (rest.length === 0 || !fanOut) return;
    const share = inlineShare({ pending: rest.length, done: first.length, elapsedMs: performance.now() - started, budgetMs: budget(), ...limits });
    const unsent = share < rest.length ? await fanOut.send(rest.slice(share)) : [];
    report.fannedOut = rest.length - share - unsent.length;
    // What could not be queued is done here as far as the ceiling allows; the next sweep finds the rest.
    const here = [...rest.slice(0, share), ...unsent].slice(0, Math.max(0, this.inlineLimit - first.length));
    await this.expire(here, report, onProgress);
  }

  /**
   * Does the given work (a sweep's own share, or a fanned-out message); failures are reported
   * per object. At most `concurrency` pieces at once, one at a time per resource (`expiryWriter`).
   */
  async expire(work: readonly DueWork[], report: SweepReport = emptyReport(false, this.clock.now(), [], []), onProgress?: ProgressListener): Promise<SweepReport> {
    let done = 0;
    onProgress?.(done, work.length);
    const resources = await this.resourcesToAsk(work, report);
    const stalledLeases = new Set(work.filter((w) => w.dueAt === undefined).map((w) => describeRef(w.ref)));
    const slot = keyedLimit(this.concurrency);
    const one = async (item: DueWork) => {
      try {
        const ended = item.dueAt !== undefined && !stalledLeases.has(describeRef(item.ref)) ? await this.inOneWrite(item, resources) : "queue";
        if (ended === "transaction") report.expiredInOneWrite += 1;
        if (ended !== "queue") {
          report.outcomes.push({ ref: item.ref, path: ended, consumed: [], busy: false });
          return;
        }
        if (item.dueAt !== undefined) await this.options.queue.append(item.ref, { command: "release", reason: "expiry", dueAt: item.dueAt }, this.author);
        for (const drained of await this.options.worker.drainAll([item.ref])) {
          report.outcomes.push({ ref: drained.ref, path: "queue", consumed: drained.consumed, busy: drained.busy, deferred: drained.deferred });
        }
      } catch (error) {
        report.failures.push({ ref: item.ref, error: `${describeRef(item.ref)}: ${describe(error)}` });
      } finally {
        onProgress?.(++done, work.length);
      }
    };
    await Promise.all(work.map((item) => slot(expiryWriter(item), () => one(item))));
    return report;
  }

  /** Whether this lease's blueprint asks before an expiry (or is unknown from the index: then ask). */
  private needsVeto(work: DueWork): boolean {
    const blueprints = this.options.blueprints;
    if (!blueprints || work.blueprint === undefined || !blueprints.has(work.blueprint)) return true;
    return blueprints.get(work.blueprint).vetoExpiry !== undefined;
  }

  /** The resources whose blueprints want a say, read in batches of 100 (eventually consistent: the write re-checks their version). */
  private async resourcesToAsk(work: readonly DueWork[], report: SweepReport): Promise<Map<string, ResourceRecord>> {
    const ids = work.filter((w) => w.resourceId !== undefined && w.dueAt !== undefined && this.needsVeto(w)).map((w) => w.resourceId as string);
    if (ids.length === 0 || !this.options.blueprints) return new Map();
    try {
      return await this.options.registry.getResources(ids);
    } catch (error) {
      // Without them those leases go through their queues, which read what they need.
      report.failures.push({ ref: { kind: "resource", id: ids[0] ?? "" }, error: `could not read resources for vetoes: ${describe(error)}` });
      return new Map();
    }
  }

  /**
   * Ends a lease in one transaction if nothing stands in the way ("transaction"); "settled" when
   * the refusal shows nothing left to do; "queue" sends it through its release command and worker.
   */
  private async inOneWrite(work: DueWork, resources: Map<string, ResourceRecord>): Promise<"transaction" | "settled" | "queue"> {
    const { blueprints, registry } = this.options;
    if (work.ref.kind !== "lease" || work.resourceId === undefined || !blueprints) return "queue";
    let resourceVersion: number | undefined;
    if (this.needsVeto(work)) {
      const resource = resources.get(work.resourceId);
      if (!resource || !blueprints.has(resource.blueprint)) return "queue";
      const veto = await blueprints.get(resource.blueprint).vetoExpiry?.({ resource, lease: { id: work.ref.id, resourceId: work.resourceId, expiresAt: work.dueAt } });
      // A veto is recorded by the lease's worker (which asks again and pushes the expiry back).
      if (veto) return "queue";
      resourceVersion = resource.version;
    }
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const out = await registry.expireLease({ leaseId: work.ref.id, resourceId: work.resourceId, by: this.author, resourceVersion }, now);
      if (out.ok) return "transaction";
      if (out.refusedBy !== "conflict") return out.refusedBy === "lease" && out.lease && nothingLeft(out.lease, now) ? "settled" : "queue";
      // Another write on the lease or its resource was in progress (a holder attaching, a worker): try again shortly.
      if (attempt >= conflictTries) throw new Error(`the expiry met another write on the lease or its resource ${attempt} times; left for the next try`);
      await sleep(conflictBackoffMs * attempt * (0.5 + Math.random()));
    }
  }
}

/**
 * A lease an expiry has nothing left to do on: destroyed (a duplicate message, another sweep, a
 * worker got there first), or live with no expiry or one later than now (extended since found).
 * Anything else (released, broken, pending) is its worker's to finish.
 */
function nothingLeft(lease: LeaseRecord, now: number): boolean {
  if (lease.status === "destroyed") return true;
  return (lease.status === "acquired" || lease.status === "active") && (lease.expiresAt === undefined || lease.expiresAt > now);
}

function emptyReport(dryRun: boolean, now: number, expired: ObjectRef[], stalled: ObjectRef[]): SweepReport {
  return { dryRun, now, expired, stalled, expiredInOneWrite: 0, fannedOut: 0, outcomes: [], failures: [] };
}
