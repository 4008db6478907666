import { Deallocator } from "@scythe/core/deallocator";
import type { Leases } from "@scythe/core/aws/dynamo";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

/** The deallocator on the leases components (the same queue, workers and blueprints). */
export const deallocatorFrom = (leases: Leases) =>
  new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker });

export const deallocatorFromEnv = once(() => deallocatorFrom(leasesFromEnv()));
