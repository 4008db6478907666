import { ScytheError, UnknownIdError } from "../errors.js";
import type { ObjectKind } from "../registry/keys.js";

/** A status change the transition table does not allow; refused before anything is written. */
export class IllegalTransitionError extends ScytheError {
  constructor(
    readonly kind: ObjectKind,
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${kind} ${id}: ${from} → ${to} is not an allowed transition`);
  }
}

/** The record changed since it was read (its version moved); re-read and decide again. */
export class VersionConflictError extends ScytheError {
  constructor(
    readonly kind: ObjectKind,
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super(`${kind} ${id} changed since version ${expectedVersion} was read`);
  }
}

/** No lease or resource with that id; bad input when the caller named it. */
export class RecordNotFoundError extends UnknownIdError {
  constructor(
    readonly kind: ObjectKind,
    id: string,
  ) {
    super(`${kind}Id`, id, `${kind} ${id} does not exist`);
  }
}

/** The resource cannot be leased: not active, or marked for deletion. */
export class ResourceUnavailableError extends ScytheError {
  constructor(
    readonly resourceId: string,
    readonly reason: string,
  ) {
    super(`resource ${resourceId} cannot be leased: ${reason}`);
  }
}

/** A blueprint could not tear a resource down this time; the worker tries again later. */
export class TransientDestroyError extends ScytheError {
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/** A blueprint cannot tear a resource down at all; the resource is marked broken with this reason. */
export class PermanentDestroyError extends ScytheError {}

/** No blueprint of that name is registered with the worker. */
export class UnknownBlueprintError extends ScytheError {
  constructor(readonly blueprint: string) {
    super(`no blueprint named "${blueprint}" is registered`);
  }
}
