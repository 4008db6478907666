/** Drydock's lease statuses and the only moves between them. */
export const leaseStatuses = ["pending", "acquired", "active", "released", "broken", "destroyed"] as const;
export type LeaseStatus = (typeof leaseStatuses)[number];

export const leaseTransitions: Readonly<Record<LeaseStatus, readonly LeaseStatus[]>> = {
  pending: ["acquired", "released", "broken"],
  acquired: ["active", "released", "broken"],
  active: ["released", "broken"],
  // A broken lease can still be released, then destroyed.
  broken: ["released"],
  released: ["destroyed", "broken"],
  destroyed: [],
};

/** Statuses a release command acts on (Drydock: releasable). */
export const releasableLeaseStatuses: readonly LeaseStatus[] = ["pending", "acquired", "active", "broken"];
/** Statuses in which a lease still holds its resource. */
export const liveLeaseStatuses: readonly LeaseStatus[] = ["pending", "acquired", "active"];
