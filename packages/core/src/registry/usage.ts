import { liveLeaseStatuses } from "./leaseStatus.js";
import type { LeaseRecord, ResourceRecord } from "./records.js";

/** What the decision needs to know about everything else; a snapshot or fresh reads. */
export interface UsageView {
  lease(id: string): Promise<LeaseRecord | undefined>;
  /** One resource: a possible referrer named by `referencedBy`. */
  resource(id: string): Promise<ResourceRecord | undefined>;
}

/**
 * Why a resource must not be deallocated now, or undefined if it may go: it is marked for
 * deletion, no live lease holds it, and no resource that still exists references it.
 * Referrers are read from its `referencedBy` set (kept in the same transaction that creates
 * a reference), so the cost follows its leases and referrers, not the registry's size.
 * A read that fails throws: the caller keeps the resource (swarmkit deletes when in
 * doubt; Scythe does not).
 */
export async function deallocationRefusal(resource: ResourceRecord, view: UsageView): Promise<string | undefined> {
  if (!resource.deleteRequested) return "it is not marked for deletion";
  for (const leaseId of resource.leaseIds) {
    const lease = await view.lease(leaseId);
    if (lease && liveLeaseStatuses.includes(lease.status)) return `lease ${leaseId} (${lease.status}) holds it`;
  }
  const referrers: ResourceRecord[] = [];
  for (const id of resource.referencedBy ?? []) {
    const referrer = id === resource.id ? undefined : await view.resource(id);
    if (referrer && referrer.status !== "destroyed" && referrer.references.includes(resource.id)) referrers.push(referrer);
  }
  if (referrers.length > 0) return `referenced by ${referrers.map((r) => `${r.id} (${r.status})`).join(", ")}`;
  return undefined;
}
