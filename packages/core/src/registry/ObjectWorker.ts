import type { ObjectRef } from "./keys.js";

/** How one resource's teardown ended, as its worker reports it. */
export type DestroyResult = "destroyed" | "already-gone";

/**
 * The port a job uses to have an object's queue consumed now (the leases' update worker
 * implements it): the deallocator appends `deallocate` and drains the resource's queue.
 */
export interface ObjectWorker {
  drain(ref: ObjectRef): Promise<{ readonly destroys: readonly { readonly resourceId: string; readonly result: DestroyResult }[] }>;
}
