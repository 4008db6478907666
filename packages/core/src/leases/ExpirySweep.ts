import { systemClock, type Clock } from "../clock.js";
import type { CommandQueue } from "./CommandQueue.js";
import { expiryShards } from "./expiryIndex.js";
import { describeRef, sameRef, type ObjectRef } from "./keys.js";
import { mapLimit } from "./mapLimit.js";
import type { Registry } from "./Registry.js";
import type { DrainReport, UpdateWorker } from "./UpdateWorker.js";

export interface SweepReport {
  readonly dryRun: boolean;
  readonly now: number;
  /** Leases and resources past their expiry (a release command was appended unless dry run). */
  readonly expired: ObjectRef[];
  /** Objects with a command no worker consumed in time (a missed stream event, a crashed worker). */
  readonly stalled: ObjectRef[];
  /** What each object's worker did, when not a dry run. */
  readonly outcomes: { ref: ObjectRef; consumed: DrainReport["consumed"]; busy: boolean; deferred?: DrainReport["deferred"] }[];
  /** Objects the sweep could not handle, and why; the sweep carries on past them. */
  readonly failures: { ref: ObjectRef; error: string }[];
}

export interface ExpirySweepOptions {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly worker: UpdateWorker;
  readonly clock?: Clock;
  /** Objects handled at once (default 16). */
  readonly concurrency?: number;
  /** Author recorded on the release commands (default "system/expiry-sweep"). */
  readonly author?: string;
}

/**
 * Finds what is due through the sparse expiry index (one Query per shard, reading only
 * due items), appends a system-authored release for each expired object so an expiry is
 * recorded like any release, and runs each object's worker: the stream would too, the
 * sweep is the backstop. It also runs the worker of any object whose command waited too long.
 */
export class ExpirySweep {
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly author: string;

  constructor(private readonly options: ExpirySweepOptions) {
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 16;
    this.author = options.author ?? "system/expiry-sweep";
  }

  async run(options: { dryRun?: boolean } = {}): Promise<SweepReport> {
    const dryRun = options.dryRun ?? false;
    const now = this.clock.now();
    const expired: { ref: ObjectRef; at: number }[] = [];
    const stalled: ObjectRef[] = [];
    for (const shard of expiryShards) {
      for await (const item of this.options.registry.dueItems(shard, now)) {
        if (item.what === "record") expired.push({ ref: item.ref, at: item.at });
        else if (!stalled.some((r) => sameRef(r, item.ref))) stalled.push(item.ref);
      }
    }
    const report: SweepReport = { dryRun, now, expired: expired.map((e) => e.ref), stalled, outcomes: [], failures: [] };
    if (dryRun) return report;

    const work = [...expired.map((e) => ({ ref: e.ref, dueAt: e.at })), ...stalled.filter((r) => !expired.some((e) => sameRef(e.ref, r))).map((ref) => ({ ref, dueAt: undefined }))];
    await mapLimit(work, this.concurrency, async ({ ref, dueAt }) => {
      try {
        if (dueAt !== undefined) await this.options.queue.append(ref, { command: "release", reason: "expiry", dueAt }, this.author);
        for (const drained of await this.options.worker.drainAll([ref])) {
          report.outcomes.push({ ref: drained.ref, consumed: drained.consumed, busy: drained.busy, deferred: drained.deferred });
        }
      } catch (error) {
        report.failures.push({ ref, error: `${describeRef(ref)}: ${error instanceof Error ? error.message : String(error)}` });
      }
    });
    return report;
  }
}
