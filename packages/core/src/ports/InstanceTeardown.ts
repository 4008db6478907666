/**
 * The calls tearing down one cloud instance needs (a lease blueprint, the orphan sweep).
 * Failures are CloudErrors (core/src/errors.ts): `retryable` says whether to try again.
 */
export interface InstanceTeardown {
  /** The instance's status, or undefined when the API proved it does not exist. */
  status(instanceId: string): Promise<string | undefined>;
  /** Starts stopping it; an instance that does not exist is left as it is. */
  stop(instanceId: string): Promise<void>;
  delete(instanceId: string): Promise<"deleted" | "already-gone">;
}
