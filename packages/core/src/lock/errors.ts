import { BadInputError, ScytheError } from "../errors.js";

/** The lock is held by another owner whose lease has not run out. */
export class LockHeldError extends ScytheError {
  constructor(
    readonly lockName: string,
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(`lock "${lockName}" is held by ${holder} until ${new Date(expiresAt).toISOString()}`);
  }
}

/** The caller no longer holds the lock (released, or taken over after its lease ran out). */
export class LockLostError extends ScytheError {
  constructor(
    readonly lockName: string,
    readonly token: number,
    detail = "it was released or taken over after its lease ran out",
    /** What is true of the caller's hold, e.g. "is not held by bob" when someone else holds that very token. */
    state = "is no longer held",
  ) {
    super(`lock "${lockName}" (token ${token}) ${state}: ${detail}`);
  }
}

/** A fenced write carried a token older than one the item has already seen. */
export class StaleTokenError extends ScytheError {
  constructor(
    readonly lockName: string,
    readonly token: number,
    readonly newestToken: number,
  ) {
    super(`write fenced by lock "${lockName}" token ${token} refused: the item has seen token ${newestToken}`);
  }
}

const kindOf = (permits: number | undefined) =>
  permits === undefined ? "an exclusive lock" : `a semaphore of ${permits} permit${permits === 1 ? "" : "s"}`;

/**
 * The name is already a lock of another kind (an exclusive lock, or a semaphore of another
 * permit count) than the caller asked for. Nothing was written. Bad input: the caller's idea
 * of the lock is wrong, and asking again the same way cannot succeed while it stays so.
 */
export class LockKindError extends BadInputError {
  constructor(
    readonly lockName: string,
    /** What the name is: a semaphore's permit count, or undefined for an exclusive lock. */
    readonly existingPermits: number | undefined,
    /** What was asked: a permit count, or undefined for an exclusive lock. */
    readonly askedPermits: number | undefined,
    /** For an exclusive lock: who holds it, and until when. */
    holder?: { readonly holder: string; readonly expiresAt: number },
  ) {
    const held = holder ? ` (held by ${holder.holder} until ${new Date(holder.expiresAt).toISOString()})` : "";
    super(
      askedPermits === undefined ? "name" : "permits",
      `lock "${lockName}" is ${kindOf(existingPermits)}${held}; asked for ${kindOf(askedPermits)}`,
    );
  }
}
