import { ScytheError } from "../errors.js";
import type { ObjectKind } from "./keys.js";

/** A create found the id taken. */
export class RecordExistsError extends ScytheError {
  constructor(
    readonly kind: ObjectKind,
    readonly id: string,
  ) {
    super(`${kind} ${id} already exists`);
  }
}

/** Appending to a queue kept losing its slot to a worker filling gaps; safe to retry. */
export class QueueContentionError extends ScytheError {}

/** A new resource may not reference this one: it does not exist, is destroyed, or is marked for deletion. */
export class ReferenceRefusedError extends ScytheError {
  constructor(
    readonly index: number,
    readonly resourceId: string,
    readonly reason: string,
  ) {
    super(`references.${index}: ${reason}`);
  }
}
