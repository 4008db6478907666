import { UnknownBlueprintError } from "./errors.js";
import type { LeaseRecord, ResourceRecord } from "../registry/records.js";

/** What a teardown found: it removed the thing, or the thing was already gone. */
import type { DestroyResult } from "../registry/ObjectWorker.js";

export type { DestroyResult };

/** What a veto learns of an expiring lease (the sweep decides without reading the whole record). */
export type ExpiringLease = Pick<LeaseRecord, "id" | "resourceId"> & Partial<LeaseRecord>;

export interface ExpiryTarget {
  readonly resource: ResourceRecord;
  /** Set when a lease on the resource is the one expiring. */
  readonly lease?: ExpiringLease;
}

/**
 * How one kind of resource is torn down (Drydock's blueprint). `destroy` must be
 * idempotent: a worker that took over from a crashed one calls it again, and it must
 * then report "already-gone". Throw TransientDestroyError to be retried later,
 * PermanentDestroyError (or anything else) to mark the resource broken.
 */
/** What one attribute a teardown reads must look like, and how to say it to the person creating the resource. */
export interface AttributeRule {
  readonly pattern: RegExp;
  /** e.g. "an EC2 instance id (i- and 8 or 17 hex digits)" */
  readonly means: string;
}

export interface Blueprint {
  readonly name: string;
  /**
   * The attributes `destroy` reads, required when a resource is created with this blueprint:
   * a record its teardown cannot act on is refused at the door, not found broken at expiry.
   */
  readonly attributes?: Readonly<Record<string, AttributeRule>>;
  destroy(resource: ResourceRecord, signal: AbortSignal): Promise<DestroyResult>;
  /** Asked right before an expiry takes effect; a reason keeps the lease or resource for now. */
  vetoExpiry?(target: ExpiryTarget): Promise<string | undefined>;
}

/** The blueprints a worker knows, by name. */
export class Blueprints {
  private readonly byName = new Map<string, Blueprint>();

  constructor(blueprints: readonly Blueprint[]) {
    for (const blueprint of blueprints) this.byName.set(blueprint.name, blueprint);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  get(name: string): Blueprint {
    const blueprint = this.byName.get(name);
    if (!blueprint) throw new UnknownBlueprintError(name);
    return blueprint;
  }
}
