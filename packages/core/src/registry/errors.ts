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
/**
 * A resource refused because a live resource already tears down the same cloud object
 * (its blueprint and teardown attribute): destroying one would pull it from under the other.
 */
export class ClaimRefusedError extends ScytheError {
  constructor(
    readonly claim: ResourceClaim,
    readonly ownerId: string,
    readonly ownerStatus: string,
  ) {
    super(`attributes.${claim.attribute}: already torn down by resource ${ownerId} (${ownerStatus})`);
  }
}

/** What a resource's teardown acts on: one live resource per claim. */
export interface ResourceClaim {
  /** The blueprint's attribute the teardown reads. */
  readonly attribute: string;
  /** Its value as written. */
  readonly value: string;
  /** Blueprint, attribute and value (case folded): the same object is the same key. */
  readonly key: string;
}

export class ReferenceRefusedError extends ScytheError {
  constructor(
    readonly index: number,
    readonly resourceId: string,
    readonly reason: string,
  ) {
    super(`references.${index}: ${reason}`);
  }
}
