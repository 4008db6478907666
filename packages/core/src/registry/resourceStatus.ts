/** Drydock's resource statuses and the only moves between them. */
export const resourceStatuses = ["pending", "active", "released", "broken", "destroyed"] as const;
export type ResourceStatus = (typeof resourceStatuses)[number];

export const resourceTransitions: Readonly<Record<ResourceStatus, readonly ResourceStatus[]>> = {
  pending: ["active", "released", "broken"],
  active: ["released", "broken"],
  broken: ["released"],
  // A destroy that fails for good leaves the resource broken, with the reason.
  released: ["destroyed", "broken"],
  destroyed: [],
};

/** Statuses a release or reclaim command acts on (Drydock: releasable). */
export const releasableResourceStatuses: readonly ResourceStatus[] = ["pending", "active", "broken"];
/** Statuses in which a resource can be leased or extended. */
export const liveResourceStatuses: readonly ResourceStatus[] = ["pending", "active"];
