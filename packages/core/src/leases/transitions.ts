import type { Fence } from "../lock/fence.js";
import { IllegalTransitionError } from "./errors.js";
import { leaseTransitions, type LeaseStatus } from "../registry/leaseStatus.js";
import type { LeaseRecord, ResourceRecord } from "../registry/records.js";
import type { LeaseChanges, Registry, ResourceChanges, Written } from "../registry/Registry.js";
import { resourceTransitions, type ResourceStatus } from "../registry/resourceStatus.js";

/**
 * Moves a lease to `to` if the transition table allows it (else throws before any
 * write), as one update conditioned on the version and status that were read.
 */
export async function transitionLease(
  registry: Registry,
  lease: LeaseRecord,
  to: LeaseStatus,
  changes: Omit<LeaseChanges, "status">,
  now: number,
  fence?: Fence,
): Promise<Written<LeaseRecord>> {
  if (!leaseTransitions[lease.status].includes(to)) throw new IllegalTransitionError("lease", lease.id, lease.status, to);
  return registry.updateLease(lease, { ...changes, status: to }, now, fence);
}

export async function transitionResource(
  registry: Registry,
  resource: ResourceRecord,
  to: ResourceStatus,
  changes: Omit<ResourceChanges, "status">,
  now: number,
  fence?: Fence,
): Promise<Written<ResourceRecord>> {
  if (!resourceTransitions[resource.status].includes(to)) {
    throw new IllegalTransitionError("resource", resource.id, resource.status, to);
  }
  return registry.updateResource(resource, { ...changes, status: to }, now, fence);
}
