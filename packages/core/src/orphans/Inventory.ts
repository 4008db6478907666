/** One thing in the cloud, as an inventory lists it. */
export interface CloudResource {
  readonly kind: string;
  /** The name carrying the naming scheme (hostname, load balancer name, app name). */
  readonly name: string;
  /** What the provider's API needs to remove it. */
  readonly id: string;
}

export type RemoveOutcome = "removed" | "already-gone" | "pending";

/**
 * The resources of one kind in the cloud. The sweep walks inventories in the order given:
 * dependents first (instances before the load balancers they sit behind).
 */
export interface Inventory {
  readonly kind: string;
  list(): Promise<CloudResource[]>;
  /** "pending" when removal started but is not finished (an instance still stopping). */
  remove(resource: CloudResource): Promise<RemoveOutcome>;
}
