import { ScytheError } from "../errors.js";

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
