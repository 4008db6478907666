/** What the lock table holds for one lock name (or one semaphore permit). */
export interface LockRecord {
  readonly name: string;
  /** Owner id of the current holder; absent once released. */
  readonly holder?: string;
  /** Fencing token of the latest acquisition. Never decreases, survives release. */
  readonly token: number;
  /** Epoch ms, written by the holder's clock. 0 after release. */
  readonly expiresAt: number;
  /** The waiting line (a ticket lock): how many tickets have been handed out... */
  readonly nextTicket?: number;
  /** ...and the lowest ticket that may still take the lock (tickets below it are served or skipped). */
  readonly serving?: number;
  /** Tickets whose waiters gave up before their turn was over (at or after `serving`): the line passes them at once. */
  readonly gaveUp?: readonly number[];
  /** When the lock last changed hands or was given up (epoch ms): how long the line has stood still. */
  readonly changedAt?: number;
  /** When the latest holder took the lock, how long the one before held it, and the spacing of the last two takes (ms). */
  readonly acquiredAt?: number;
  readonly heldMs?: number;
  readonly turnMs?: number;
  /** Whose turn it is (the owner of the latest take from the line or of a free lock), and until when (epoch ms) that owner may take it again past the line. */
  readonly turnOwner?: string;
  readonly turnUntil?: number;
  /**
   * Set on a semaphore's header, the item named after the semaphore itself (its permits are
   * `name#0` .. `name#(permits-1)`): once written it never changes, and an exclusive lock of
   * that name is refused. Absent on an exclusive lock and on a permit.
   */
  readonly kind?: "semaphore";
  readonly permits?: number;
}

export type AcquireOutcome =
  | { readonly acquired: true; readonly lock: LockRecord }
  | { readonly acquired: false; readonly current: LockRecord };

/** A place in the lock's waiting line, and the lock as it was when the ticket was taken. */
export interface Ticket {
  readonly ticket: number;
  readonly lock: LockRecord;
}

/**
 * Storage port for leases with fencing tokens. Each method is one conditional write
 * (or one read for `get`); an expected condition failure comes back as a value.
 */
export interface LockStore {
  /**
   * Take `name` for `owner` if it is not a semaphore's header and is free, released, or its lease ended before `expiredBefore`,
   * and nobody is waiting in its line (or the line has not moved since `lineStaleBefore`).
   * The take starts `owner`'s turn, until `turnUntil` (default: now, no turn).
   */
  acquire(name: string, owner: string, expiresAt: number, expiredBefore: number, lineStaleBefore?: number, turnUntil?: number): Promise<AcquireOutcome>;
  /**
   * Takes `name` again for the owner whose turn it is, past the waiting line, if it is free and the
   * turn has not ended by `now`; the turn is not extended. Optional: without it there are no turns.
   */
  retake?(name: string, owner: string, expiresAt: number, expiredBefore: number, now: number): Promise<AcquireOutcome>;
  /** Move the expiry if `owner` still holds `name` at `token`; null otherwise. */
  extend(name: string, owner: string, token: number, expiresAt: number): Promise<LockRecord | null>;
  /** Give `name` up if `owner` still holds it at `token`; false otherwise. Keeps the token. */
  release(name: string, owner: string, token: number): Promise<boolean>;
  get(name: string): Promise<LockRecord | null>;
  /**
   * Makes `name` the header of a semaphore of `permits` permits, or confirms it is one: one
   * conditional write, accepted if it is already that semaphore, or has no semaphore header and
   * no exclusive holder (its lease ended before `expiredBefore`). The header is never changed
   * afterwards. Refused, it returns the item as it is.
   */
  declareSemaphore(name: string, permits: number, expiredBefore: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly current: LockRecord }>;
  /**
   * Joins `name`'s waiting line: one write, whatever the lock's state, unless `name` is a
   * semaphore's header: then nothing is written and the ticket is -1. Optional: without it waiters poll.
   */
  takeTicket?(name: string): Promise<Ticket>;
  /**
   * Takes `name` for `ticket` if it is free (or its lease ended before `expiredBefore`) and it
   * is that ticket's turn, or the tickets before it let their turn pass: the lock has been
   * free (or its lease over) since before `skipBefore`, or they are `passing`, every ticket
   * from `serving` up to `ticket`, all given up. Moves the line past `ticket`, and starts `owner`'s
   * turn until `turnUntil` (default: now, no turn).
   */
  claim?(name: string, owner: string, ticket: number, expiresAt: number, expiredBefore: number, skipBefore: number, passing?: readonly number[], turnUntil?: number): Promise<AcquireOutcome>;
  /** Marks `ticket` given up (its waiter stops waiting), so that the line passes it without waiting out a grace. One write. */
  giveUp?(name: string, ticket: number): Promise<void>;
}
