import type { DeployJournal, InstanceProgress } from "@scythe/core/deploy";
import { loadBalancerLabel as label } from "../progress/labels.js";

/** One line per instance phase change, as a person following a rollout wants to read it. */
export function describeProgress(r: InstanceProgress): string {
  const name = r.hostname.padEnd(10);
  switch (r.phase) {
    case "pending":
      return `${name} waiting (batch ${r.batch + 1})`;
    case "skipped":
      return `${name} skipped: ${r.skippedReason ?? "not online"}`;
    case "detaching": {
      const kept = (r.keptIn ?? []).map((k) => `kept in ${label(k.loadBalancer)}: ${k.reason}`);
      const out = (r.detachFrom ?? []).length > 0 ? `detaching from ${(r.detachFrom ?? []).map(label).join(", ")}` : "deploying in place";
      return [`${name} ${out}`, ...kept.map((k) => `${"".padEnd(10)}   ${k}`)].join("\n");
    }
    case "draining":
      return `${name} draining connections`;
    case "deploying":
      return `${name} deploying${r.deploymentId ? ` (deployment ${r.deploymentId})` : ""}`;
    case "deployed":
      return `${name} deployed`;
    case "attaching":
      return `${name} reattaching to ${(r.detachFrom ?? []).map(label).join(", ") || "(none)"}`;
    case "done":
      return `${name} in service again`;
    case "failed":
      return `${name} deployment ${r.deploymentId ?? ""} ${r.deploymentStatus ?? "failed"}`;
    case "reattached":
      return `${name} reattached to ${(r.detachFrom ?? []).map(label).join(", ")} after the rollout stopped`;
  }
}

/**
 * Polls an execution's progress records and reports each change until `done` settles.
 * Reads are consistent, so nothing the execution recorded is missed at the end.
 */
export async function followProgress(
  journal: DeployJournal,
  executionId: string,
  done: Promise<unknown>,
  onChange: (line: string, record: InstanceProgress) => void,
  intervalMs = 150,
): Promise<void> {
  const seen = new Map<string, string>();
  const planned = new Set<string>();
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  for (;;) {
    const last = finished;
    for (const r of await journal.instances(executionId)) {
      // Phases can pass between two polls; the plan (where it leaves, where it stays) is always shown.
      if (r.detachFrom !== undefined && !planned.has(r.instanceId)) {
        planned.add(r.instanceId);
        onChange(describeProgress({ ...r, phase: "detaching" }), r);
      }
      const key = `${r.phase}|${r.deploymentId ?? ""}`;
      if (seen.get(r.instanceId) === key || r.phase === "detaching") continue;
      seen.set(r.instanceId, key);
      onChange(describeProgress(r), r);
    }
    if (last) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
