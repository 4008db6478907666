import type { ProgressListener } from "../progress.js";
import type { CommandQueue } from "../registry/CommandQueue.js";
import type { ResourceRecord } from "../registry/records.js";
import type { Registry } from "../registry/Registry.js";
import { releasableResourceStatuses } from "../registry/resourceStatus.js";
import type { ObjectWorker } from "../registry/ObjectWorker.js";
import { deallocationRefusal, type UsageView } from "../registry/usage.js";

export interface DeallocationReport {
  readonly dryRun: boolean;
  /** Resources marked for deletion that were looked at. */
  readonly examined: number;
  /** Resources asked to go (in a dry run: that would be). */
  readonly nominated: string[];
  /** Resources this pass's own worker tore down (not those another run destroyed meanwhile). */
  readonly destroyed: string[];
  /** Resources this pass's worker retired whose cloud side the blueprint proved already gone. */
  readonly alreadyGone: string[];
  readonly kept: { id: string; reason: string }[];
  readonly errors: { id?: string; error: string }[];
}

export interface DeallocatorOptions {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly worker: ObjectWorker;
  readonly author?: string;
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
const candidate = (r: ResourceRecord) => r.deleteRequested === true && releasableResourceStatuses.includes(r.status);

/**
 * Swarmkit's deallocator on Scythe's registry: a resource marked for deletion is destroyed
 * once no live lease holds it and no existing resource references it, and resources it
 * referenced are looked at again once it is gone. It only nominates (a `deallocate`
 * command); the resource's own worker re-checks and tears down through the blueprint,
 * so concurrent passes and stream events destroy each resource once.
 */
export class Deallocator {
  private readonly author: string;

  constructor(private readonly options: DeallocatorOptions) {
    this.author = options.author ?? "deallocator";
  }

  /** The full reconciling pass (on a schedule, and at deploy time). */
  async reconcile(options: { dryRun?: boolean; onProgress?: ProgressListener } = {}): Promise<DeallocationReport> {
    const dryRun = options.dryRun ?? false;
    // Nominations finished out of those made so far: each round may add more.
    const progress = { done: 0, total: 0 };
    const tick = () => options.onProgress?.(progress.done, progress.total);
    const report = emptyReport(dryRun);
    const handled = new Set<string>();
    let assumedDestroyed = new Set<string>();
    // Each round may free what the previous one destroyed (a network after its services).
    for (let round = 0; round < 100; round++) {
      let resources: ResourceRecord[];
      try {
        // The sparse index names the candidates; nothing else in the registry is read.
        const marked = await this.options.registry.markedForDeletion();
        resources = [...(await this.options.registry.getResources(marked)).values()].filter((r) => !assumedDestroyed.has(r.id));
      } catch (error) {
        report.errors.push({ error: `could not read the registry, nothing deallocated: ${describe(error)}` });
        return report;
      }
      const view: UsageView = {
        lease: (id) => this.options.registry.getLease(id),
        resource: async (id) => {
          const found = await this.options.registry.getResource(id);
          return found && assumedDestroyed.has(id) ? { ...found, status: "destroyed" } : found;
        },
      };
      const nominated: string[] = [];
      const kept: { id: string; reason: string }[] = [];
      for (const resource of resources.filter((r) => candidate(r) && !handled.has(r.id))) {
        try {
          const refusal = await deallocationRefusal(resource, view);
          if (refusal) {
            kept.push({ id: resource.id, reason: refusal });
            continue;
          }
        } catch (error) {
          kept.push({ id: resource.id, reason: `could not tell whether it is in use: ${describe(error)}` });
          continue;
        }
        handled.add(resource.id);
        nominated.push(resource.id);
      }
      if (nominated.length === 0) {
        report.kept.push(...kept);
        report.examined = report.nominated.length + report.kept.length;
        return report;
      }
      if (dryRun) {
        report.nominated.push(...nominated);
        assumedDestroyed = new Set([...assumedDestroyed, ...nominated]);
        continue;
      }
      progress.total += nominated.length;
      tick();
      await this.nominate(nominated, report, () => {
        progress.done += 1;
        tick();
      });
    }
    return report;
  }

  /**
   * Looks at these resources now (from registry events): fresh reads, no write unless
   * one may go; a destroyed one has the resources it referenced looked at in turn.
   */
  async evaluate(ids: readonly string[], options: { dryRun?: boolean } = {}): Promise<DeallocationReport> {
    const report = emptyReport(options.dryRun ?? false);
    let queue = [...new Set(ids)];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const view: UsageView = { lease: (id) => this.options.registry.getLease(id), resource: (id) => this.options.registry.getResource(id) };
      const nominated: string[] = [];
      for (const id of queue) {
        seen.add(id);
        try {
          const resource = await this.options.registry.getResource(id);
          if (!resource || !candidate(resource)) continue;
          report.examined += 1;
          const refusal = await deallocationRefusal(resource, view);
          if (refusal) report.kept.push({ id, reason: refusal });
          else nominated.push(id);
        } catch (error) {
          report.errors.push({ id, error: `kept, could not tell whether it is in use: ${describe(error)}` });
        }
      }
      if (report.dryRun) {
        report.nominated.push(...nominated);
        break;
      }
      const destroyed = await this.nominate(nominated, report);
      const next = new Set<string>();
      for (const id of destroyed) {
        const resource = await this.options.registry.getResource(id).catch(() => undefined);
        for (const ref of resource?.references ?? []) if (!seen.has(ref)) next.add(ref);
      }
      queue = [...next];
    }
    return report;
  }

  /**
   * Appends `deallocate` to each resource's queue and runs its worker; returns those now
   * destroyed (by anyone: their references are looked at next). The report credits this
   * pass only with what its own worker tore down: a racing pass that found the worker busy,
   * or the resource already destroyed, did nothing to it.
   */
  private async nominate(ids: readonly string[], report: DeallocationReport, onEach?: () => void): Promise<string[]> {
    const destroyed: string[] = [];
    for (const id of ids) {
      const ref = { kind: "resource" as const, id };
      try {
        await this.options.queue.append(ref, { command: "deallocate" }, this.author);
        report.nominated.push(id);
        const drained = await this.options.worker.drain(ref);
        for (const d of drained.destroys.filter((d) => d.resourceId === id)) (d.result === "destroyed" ? report.destroyed : report.alreadyGone).push(id);
        const after = await this.options.registry.getResource(id);
        if (after?.status === "destroyed") destroyed.push(id);
      } catch (error) {
        report.errors.push({ id, error: describe(error) });
      }
      onEach?.();
    }
    return destroyed;
  }
}

function emptyReport(dryRun: boolean): DeallocationReport & { examined: number } {
  return { dryRun, examined: 0, nominated: [], destroyed: [], alreadyGone: [], kept: [], errors: [] };
}
