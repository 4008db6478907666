import type { InstanceProgress } from "@scythe/core/deploy";
import { loadBalancerLabel } from "./labels.js";
import { formatSeconds } from "./LiveStatus.js";

const finished = new Set<InstanceProgress["phase"]>(["done", "skipped", "failed", "reattached"]);

function waitingFor(r: InstanceProgress): string | undefined {
  const lbs = (r.detachFrom ?? []).map(loadBalancerLabel).join(", ");
  switch (r.phase) {
    case "detaching":
    case "draining":
      return lbs ? `${r.hostname} to drain from ${lbs}` : `${r.hostname} to start deploying`;
    case "deploying":
      return `deployment ${r.deploymentId ?? ""} on ${r.hostname}`.replace("  ", " ");
    case "deployed":
    case "attaching":
      return lbs ? `${r.hostname} to be in service in ${lbs}` : `${r.hostname} to finish`;
    default:
      return undefined;
  }
}

/**
 * What `scythe deploy --follow`'s live line says: instances done of all, the batch, what
 * the rollout waits for now, and the time left at the pace of the instances done so far.
 */
export class DeployProgress {
  private readonly records = new Map<string, InstanceProgress>();
  private readonly started: number;
  private firstDoneAt: number | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  on(record: InstanceProgress): void {
    this.records.set(record.instanceId, record);
    if (record.phase === "done" && this.firstDoneAt === undefined) this.firstDoneAt = this.now();
  }

  line(): string {
    const now = this.now();
    const all = [...this.records.values()];
    if (all.length === 0) return `waiting for the deploy lock and the plan · ${formatSeconds(now - this.started)} elapsed`;
    const done = all.filter((r) => finished.has(r.phase)).length;
    const batches = Math.max(1, ...all.map((r) => r.batch + 1));
    const current = all.filter((r) => !finished.has(r.phase) && r.phase !== "pending");
    const batch = current[0] ? current[0].batch + 1 : Math.min(batches, Math.max(1, ...all.filter((r) => finished.has(r.phase)).map((r) => r.batch + 2)));
    const waits = current.map(waitingFor).filter((w): w is string => w !== undefined);
    const parts = [`${done}/${all.length} instances done`, `batch ${batch}/${batches}`, waits.length > 0 ? `waiting for ${waits.join("; ")}` : "starting the next batch"];
    const completed = all.filter((r) => r.phase === "done").length;
    if (completed > 0 && done < all.length) {
      const perInstance = (now - this.started) / completed;
      parts.push(`about ${formatSeconds(perInstance * (all.length - done))} left`);
    } else parts.push(`${formatSeconds(now - this.started)} elapsed`);
    return parts.join(" · ");
  }
}
