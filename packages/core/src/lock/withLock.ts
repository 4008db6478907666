import { LockLostError } from "./errors.js";
import type { AcquireOptions, Lease, LockService } from "./LockService.js";

export interface WithLockOptions extends AcquireOptions {
  /** Renew the lease this often (ms, default a third of the lease). */
  readonly heartbeatMs?: number;
  /** Take one of this many permits (a semaphore) instead of a plain lock. */
  readonly permits?: number;
}

/** What the work gets: the live lease (renewed in place) and a signal that fires if it is lost. */
export interface LockContext {
  readonly signal: AbortSignal;
  lease(): Lease;
}

/**
 * Runs `work` while holding `name`, renewing the lease in the background. If the lease
 * is lost (taken over after a missed renewal, or not renewable before it runs out) the
 * signal aborts with a LockLostError; the work should stop and its fenced writes will be
 * refused anyway. Every timer is cleared before this returns, so a Lambda can exit at once.
 */
export async function withLock<T>(
  locks: LockService,
  name: string,
  options: WithLockOptions,
  work: (context: LockContext) => Promise<T>,
): Promise<T> {
  let lease = options.permits
    ? await locks.acquirePermit(name, options.permits, options)
    : await locks.acquire(name, options);
  const controller = new AbortController();
  const interval = options.heartbeatMs ?? Math.max(1, Math.floor(lease.leaseMs / 3));
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const lose = (error: LockLostError) => {
    if (!controller.signal.aborted) controller.abort(error);
  };
  const schedule = (delay: number) => {
    if (stopped || controller.signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = beat();
    }, Math.max(1, delay));
  };
  const beat = async (): Promise<void> => {
    try {
      lease = await locks.extend(lease);
      schedule(interval);
    } catch (error) {
      if (error instanceof LockLostError) return lose(error);
      // Storage trouble: keep trying while the lease may still be ours, then give it up.
      const left = lease.validUntil - locks.now();
      if (left <= 0) return lose(new LockLostError(lease.name, lease.token, "it could not be renewed before it ran out"));
      schedule(Math.min(interval / 2, left));
    }
  };

  schedule(interval);
  try {
    return await work({ signal: controller.signal, lease: () => lease });
  } finally {
    stopped = true;
    if (timer) clearTimeout(timer);
    await inFlight;
    if (!controller.signal.aborted) {
      await locks.release(lease).catch((error: unknown) => {
        if (!(error instanceof LockLostError)) throw error;
      });
    }
  }
}
