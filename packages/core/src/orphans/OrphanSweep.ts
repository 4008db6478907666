import type { ProgressListener } from "../progress.js";
import { LockHeldError } from "../lock/errors.js";
import type { LockService } from "../lock/LockService.js";
import { withLock } from "../lock/withLock.js";
import type { CloudResource, Inventory } from "./Inventory.js";
import type { OwnerRecords } from "./OwnerRecords.js";
import type { OrphanSweepReport } from "./report.js";

export interface OrphanSweepOptions {
  readonly dryRun?: boolean;
  /** Resources in Scythe's scheme looked at so far, out of those listed. */
  readonly onProgress?: ProgressListener;
}

/** One sweep at a time: a second delivery waits for the first, then lists afresh. */
export interface OrphanSweepLock {
  readonly locks: LockService;
  /** Default `orphans/sweep`. */
  readonly name?: string;
  /** Lease, renewed every third while the sweep runs (ms, default 60 s). */
  readonly leaseMs?: number;
  /** How long to wait for a running sweep (ms, default 0: report it skipped). */
  readonly waitMs?: number;
}

type MutableReport = {
  -readonly [K in keyof OrphanSweepReport]: OrphanSweepReport[K];
};

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Removes cloud resources that carry Scythe's naming scheme but whose owning record is
 * gone (after DECNET's reaper). Names outside the scheme are never touched.
 *
 * Order matters for safety: every inventory is listed first and the registry read after,
 * so a record created during the sweep (records are persisted before their resources are
 * created) is always seen. Kinds are removed in the order given, dependents first; an
 * owner whose dependent could not be removed keeps its later resources until next pass.
 */
export class OrphanSweep {
  constructor(private readonly deps: { records: OwnerRecords; inventories: readonly Inventory[]; lock?: OrphanSweepLock }) {}

  /**
   * With a lock configured, the sweep holds it throughout, so two deliveries of the same
   * event never both delete one resource (classic ELB deletes would both "succeed").
   * A dry run removes nothing and takes no lock.
   */
  async run(options: OrphanSweepOptions = {}): Promise<OrphanSweepReport> {
    const dryRun = options.dryRun ?? false;
    const lock = this.deps.lock;
    if (!lock || dryRun) return this.sweep(dryRun, undefined, options.onProgress);
    const name = lock.name ?? "orphans/sweep";
    try {
      return await withLock(lock.locks, name, { leaseMs: lock.leaseMs ?? 60_000, waitMs: lock.waitMs ?? 0 }, async ({ signal, lease }) => {
        const report = await this.sweep(dryRun, signal, options.onProgress);
        return { ...report, lock: { name, token: lease().token } };
      });
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      return { ...emptyReport(dryRun, this.deps.records.scheme.prefix), lock: { name, skipped: `another sweep is running (${error.message}); nothing done` } };
    }
  }

  private async sweep(dryRun: boolean, signal?: AbortSignal, onProgress?: ProgressListener): Promise<OrphanSweepReport> {
    const scheme = this.deps.records.scheme;
    const report = emptyReport(dryRun, scheme.prefix);
    const ownerOf = (name: string) => scheme.ownerOf(name);

    const listings: { inventory: Inventory; resources: CloudResource[] | undefined }[] = [];
    for (const inventory of this.deps.inventories) {
      try {
        const resources = await inventory.list();
        const inScheme = resources.filter((r) => ownerOf(r.name) !== undefined).length;
        const otherStages = resources.filter((r) => scheme.isOtherStage(r.name)).length;
        report.seen[inventory.kind] = { total: resources.length, inScheme, otherStages };
        listings.push({ inventory, resources });
      } catch (error) {
        report.errors.push({ kind: inventory.kind, error: `could not list: ${describe(error)}` });
        listings.push({ inventory, resources: undefined });
      }
    }

    let live: Set<string>;
    try {
      const found = new Set(listings.flatMap((l) => (l.resources ?? []).map((r) => ownerOf(r.name)).filter((p): p is string => p !== undefined)));
      live = await this.deps.records.ownerPrefixes(found);
    } catch (error) {
      // Without the live set every resource would look orphaned: remove nothing.
      report.errors.push({ kind: "registry", error: `could not read the registry, nothing removed: ${describe(error)}` });
      return report;
    }
    report.livePrefixes = [...live].sort();

    const inScheme = Object.values(report.seen).reduce((n, s) => n + s.inScheme, 0);
    let looked = 0;
    onProgress?.(looked, inScheme);
    const orphans = new Set<string>();
    const blocked = new Set<string>();
    let unlistedBefore: string | undefined;
    for (const { inventory, resources } of listings) {
      if (!resources) {
        unlistedBefore ??= inventory.kind;
        continue;
      }
      const kind = inventory.kind;
      for (const resource of resources) {
        const owner = ownerOf(resource.name);
        if (owner === undefined) continue;
        onProgress?.(++looked, inScheme);
        if (live.has(owner)) continue;
        orphans.add(owner);
        const keep = (reason: string) => report.kept.push({ kind, name: resource.name, reason });
        if (unlistedBefore) {
          keep(`${unlistedBefore} could not be listed, so its dependents on this owner are unknown`);
          continue;
        }
        if (blocked.has(owner)) {
          keep("a dependent with the same owner is not removed yet");
          continue;
        }
        if (dryRun) {
          (report.removed[kind] ??= []).push(resource.name);
          continue;
        }
        if (signal?.aborted) {
          keep("the sweep's lock was lost; the next sweep looks again");
          continue;
        }
        try {
          const outcome = await inventory.remove(resource);
          if (outcome === "pending") {
            blocked.add(owner);
            (report.pending[kind] ??= []).push(resource.name);
          } else if (outcome === "already-gone") {
            (report.alreadyGone[kind] ??= []).push(resource.name);
          } else {
            (report.removed[kind] ??= []).push(resource.name);
          }
        } catch (error) {
          blocked.add(owner);
          report.errors.push({ kind, name: resource.name, error: describe(error) });
        }
      }
    }
    report.orphanPrefixes = [...orphans].sort();
    return report;
  }
}

function emptyReport(dryRun: boolean, namePrefix: string): MutableReport & { removed: Record<string, string[]>; alreadyGone: Record<string, string[]>; pending: Record<string, string[]> } {
  return { dryRun, namePrefix, livePrefixes: [], orphanPrefixes: [], seen: {}, removed: {}, alreadyGone: {}, pending: {}, kept: [], errors: [] };
}
