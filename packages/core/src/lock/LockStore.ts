/** What the lock table holds for one lock name (or one semaphore permit). */
export interface LockRecord {
  readonly name: string;
  /** Owner id of the current holder; absent once released. */
  readonly holder?: string;
  /** Fencing token of the latest acquisition. Never decreases, survives release. */
  readonly token: number;
  /** Epoch ms, written by the holder's clock. 0 after release. */
  readonly expiresAt: number;
}

export type AcquireOutcome =
  | { readonly acquired: true; readonly lock: LockRecord }
  | { readonly acquired: false; readonly current: LockRecord };

/**
 * Storage port for leases with fencing tokens. Each method is one conditional write
 * (or one read for `get`); an expected condition failure comes back as a value.
 */
export interface LockStore {
  /** Take `name` for `owner` if it is free, released, or its lease ended before `expiredBefore`. */
  acquire(name: string, owner: string, expiresAt: number, expiredBefore: number): Promise<AcquireOutcome>;
  /** Move the expiry if `owner` still holds `name` at `token`; null otherwise. */
  extend(name: string, owner: string, token: number, expiresAt: number): Promise<LockRecord | null>;
  /** Give `name` up if `owner` still holds it at `token`; false otherwise. Keeps the token. */
  release(name: string, owner: string, token: number): Promise<boolean>;
  get(name: string): Promise<LockRecord | null>;
}
