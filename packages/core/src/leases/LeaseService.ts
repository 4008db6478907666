import { createHash, randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import { ValidationError } from "../errors.js";
import { sleep } from "../lock/sleep.js";
import { parseInput } from "../validation.js";
import type { Blueprint, Blueprints } from "./Blueprint.js";
import type { CommandQueue } from "../registry/CommandQueue.js";
import { ClaimRefusedError, ReferenceRefusedError, type ResourceClaim } from "../registry/errors.js";
import { RecordNotFoundError, ResourceUnavailableError } from "./errors.js";
import {
  acquireLeaseInput,
  createResourceInput,
  extendLeaseInput,
  markDeleteInput,
  objectId,
  releaseLeaseInput,
  type AcquireLeaseInput,
  type CreateResourceInput,
  type ExtendLeaseInput,
  type MarkDeleteInput,
  type ReleaseLeaseInput,
} from "./inputs.js";
import type { ObjectRef } from "../registry/keys.js";
import type { CommandBody, CommandRecord, LeaseRecord, ResourceRecord } from "../registry/records.js";
import type { Registry } from "../registry/Registry.js";
import { transitionLease } from "./transitions.js";
import type { UpdateWorker } from "./UpdateWorker.js";

/** What became of a command: its outcome once a worker consumed it, or still queued. */
export interface CommandResult {
  readonly ref: ObjectRef;
  readonly seq: number;
  readonly command: CommandBody["command"];
  readonly consumed: boolean;
  readonly outcome?: string;
  /** Not consumed yet because its teardown failed for now: when the worker tries again, and why. */
  readonly retryAt?: number;
  readonly lastError?: string;
}

export interface LeaseServiceOptions {
  readonly registry: Registry;
  readonly queue: CommandQueue;
  readonly worker: UpdateWorker;
  readonly blueprints: Blueprints;
  readonly clock?: Clock;
  /** A lease left pending by a holder that died mid-acquire expires after this (ms, default 5 min). */
  readonly pendingTimeoutMs?: number;
  /**
   * How long a release or extend waits (real time, ms, default 10 s) for another worker that
   * holds the object to consume its command, so the caller is told what happened, not "queued".
   */
  readonly settleMs?: number;
}

/**
 * What people and callers do with leases and resources (the `leases` Lambda, the CLI):
 * create and acquire write records directly; release and extend only append a command
 * and let the object's worker act, then report what it did.
 */
export class LeaseService {
  private readonly registry: Registry;
  private readonly clock: Clock;
  private readonly pendingTimeoutMs: number;

  constructor(private readonly options: LeaseServiceOptions) {
    this.registry = options.registry;
    this.clock = options.clock ?? systemClock;
    this.pendingTimeoutMs = options.pendingTimeoutMs ?? 5 * 60_000;
  }

  async createResource(raw: CreateResourceInput): Promise<ResourceRecord> {
    const input = parseInput(createResourceInput, raw);
    if (!this.options.blueprints.has(input.blueprint)) {
      throw new ValidationError("blueprint", `unknown blueprint "${input.blueprint}" (known: ${this.options.blueprints.names().join(", ")})`);
    }
    const blueprint = this.options.blueprints.get(input.blueprint);
    checkTeardownAttributes(blueprint, input.attributes);
    const id = input.id ?? randomUUID();
    const self = input.references.indexOf(id);
    if (self >= 0) throw new ValidationError(`references.${self}`, `is the resource itself (${id}): a resource cannot depend on itself`);
    const now = this.clock.now();
    const resource: ResourceRecord = {
      id,
      kind: input.kind,
      blueprint: input.blueprint,
      attributes: input.attributes,
      status: "active",
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...(input.expiresInMs !== undefined && { expiresAt: now + input.expiresInMs }),
      ...(input.expireAfterIdleMs !== undefined && { expireAfterIdleMs: input.expireAfterIdleMs }),
      leaseIds: [],
      // A dependency named twice is one dependency.
      references: [...new Set(input.references)],
    };
    try {
      await this.registry.createResource(resource, teardownClaims(blueprint, input.attributes));
    } catch (error) {
      // The registry refuses a reference to what is missing, destroyed or going away, atomically with the create.
      if (error instanceof ReferenceRefusedError) throw new ValidationError(`references.${error.index}`, error.reason);
      if (error instanceof ClaimRefusedError) {
        throw new ValidationError(
          `attributes.${error.claim.attribute}`,
          `"${error.claim.value}" is already torn down by resource ${error.ownerId} (${error.ownerStatus}): one cloud object has one resource, or destroying either would pull it from under the other`,
        );
      }
      throw error;
    }
    return resource;
  }

  /**
   * Leases a resource: the lease is written pending (with a safety expiry, so a caller
   * that dies here leaves nothing held for good), attached to the resource while it is
   * active, then moved to acquired and active. The holder never writes to it again.
   */
  async acquire(raw: AcquireLeaseInput): Promise<LeaseRecord> {
    const input = parseInput(acquireLeaseInput, raw);
    let resource = await this.requireResource(input.resourceId);
    const now = this.clock.now();
    let lease: LeaseRecord = {
      id: randomUUID(),
      resourceId: resource.id,
      blueprint: resource.blueprint,
      holder: input.holder,
      status: "pending",
      version: 1,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.pendingTimeoutMs,
    };
    await this.registry.createLease(lease);
    for (let attempt = 0; ; attempt++) {
      const refusal = leaseRefusal(resource);
      if (refusal) return this.abandon(lease, refusal);
      // Leased again while counting down to an idle expiry: stop the countdown, on the version
      // read. Otherwise attaching needs no version: concurrent acquires of one resource commute.
      const out = resource.idleCountdown
        ? await this.registry.updateResource(resource, { addLeaseId: lease.id, onlyIfLeasable: true, expiresAt: null, idleCountdown: false }, this.clock.now())
        : await this.registry.attachLease(resource.id, lease.id, this.clock.now());
      if (out.ok) break;
      if (!out.current || attempt >= 9) return this.abandon(lease, "the resource kept changing");
      resource = out.current;
    }
    lease = await this.step(lease, "acquired", {});
    const expiresAt = input.expiresInMs === undefined ? null : this.clock.now() + input.expiresInMs;
    return this.step(lease, "active", { expiresAt });
  }

  async release(raw: ReleaseLeaseInput): Promise<CommandResult> {
    const input = parseInput(releaseLeaseInput, raw);
    await this.requireLease(input.leaseId);
    return this.ask({ kind: "lease", id: input.leaseId }, { command: "release", reason: "request" }, input.author);
  }

  async extend(raw: ExtendLeaseInput): Promise<CommandResult> {
    const input = parseInput(extendLeaseInput, raw);
    await this.requireLease(input.leaseId);
    const newExpiresAt = this.clock.now() + input.expiresInMs;
    return this.ask({ kind: "lease", id: input.leaseId }, { command: "extend", newExpiresAt }, input.author);
  }

  /** Flags a resource for the deallocator; with dryRun, only says whether it would. */
  async markDelete(raw: MarkDeleteInput): Promise<{ resource: ResourceRecord; changed: boolean; dryRun: boolean }> {
    const input = parseInput(markDeleteInput, raw);
    for (let attempt = 0; ; attempt++) {
      const resource = await this.requireResource(input.resourceId);
      if (resource.deleteRequested || resource.status === "destroyed" || input.dryRun) {
        return { resource, changed: !resource.deleteRequested && resource.status !== "destroyed", dryRun: input.dryRun };
      }
      const out = await this.registry.updateResource(resource, { deleteRequested: true }, this.clock.now());
      if (out.ok) return { resource: out.record, changed: true, dryRun: false };
      if (attempt >= 9) throw new ResourceUnavailableError(resource.id, "it kept changing while being marked");
    }
  }

  getLease = (id: string) => this.requireLease(id);
  getResource = (id: string) => this.requireResource(id);
  listLeases = () => this.registry.listLeases();
  listResources = () => this.registry.listResources();

  private async ask(ref: ObjectRef, body: CommandBody, author: string): Promise<CommandResult> {
    const appended = await this.options.queue.append(ref, body, author);
    // When another worker holds the object it consumes this command before letting go; wait
    // for that (draining again in case it died), unless the command is waiting for a retry.
    const deadline = performance.now() + (this.options.settleMs ?? 10_000);
    let command: CommandRecord = appended;
    for (let attempt = 0; ; attempt++) {
      await this.options.worker.drainAll([ref]);
      command = (await this.registry.getCommand(ref, appended.seq)) ?? appended;
      if (command.consumedAt !== undefined || command.retryAt !== undefined || performance.now() >= deadline) break;
      await sleep(Math.min(250, 10 * 2 ** attempt));
    }
    return {
      ref,
      seq: command.seq,
      command: command.command,
      consumed: command.consumedAt !== undefined,
      outcome: command.outcome,
      ...(command.consumedAt === undefined && command.retryAt !== undefined && { retryAt: command.retryAt, lastError: command.lastError }),
    };
  }

  private async step(lease: LeaseRecord, to: "acquired" | "active", changes: { expiresAt?: number | null }): Promise<LeaseRecord> {
    const out = await transitionLease(this.registry, lease, to, changes, this.clock.now());
    if (!out.ok) throw new ResourceUnavailableError(lease.resourceId, `lease ${lease.id} was released while it was being acquired`);
    return out.record;
  }

  /** The lease never got the resource: mark it broken (it keeps its expiry, so it is cleaned up). */
  private async abandon(lease: LeaseRecord, reason: string): Promise<never> {
    await transitionLease(this.registry, lease, "broken", { brokenReason: reason }, this.clock.now());
    throw new ResourceUnavailableError(lease.resourceId, reason);
  }

  private async requireResource(id: string): Promise<ResourceRecord> {
    const resource = await this.registry.getResource(parseInput(objectId, id, "resourceId"));
    if (!resource) throw new RecordNotFoundError("resource", id);
    return resource;
  }

  private async requireLease(id: string): Promise<LeaseRecord> {
    const lease = await this.registry.getLease(parseInput(objectId, id, "leaseId"));
    if (!lease) throw new RecordNotFoundError("lease", id);
    return lease;
  }
}

function leaseRefusal(resource: ResourceRecord): string | undefined {
  if (resource.deleteRequested) return "it is marked for deletion";
  if (resource.status !== "active") return `it is ${resource.status}`;
  return undefined;
}

/**
 * What the blueprint's teardown acts on: one claim per attribute it reads, keyed by blueprint,
 * attribute and value (case folded, hashed when long), so no two live resources tear down one object.
 */
export function teardownClaims(blueprint: Blueprint, attributes: Readonly<Record<string, string>>): ResourceClaim[] {
  return Object.keys(blueprint.attributes ?? {}).flatMap((attribute) => {
    const value = attributes[attribute];
    if (value === undefined) return [];
    const folded = value.toLowerCase();
    const key = `${blueprint.name}#${attribute}#${folded.length > 512 ? `sha256:${createHash("sha256").update(folded).digest("hex")}` : folded}`;
    return [{ attribute, value, key }];
  });
}

/** Refuses, naming the attribute, a resource its blueprint could not tear down (a missing or malformed id). */
function checkTeardownAttributes(blueprint: Blueprint, attributes: Readonly<Record<string, string>>): void {
  for (const [name, rule] of Object.entries(blueprint.attributes ?? {})) {
    const value = attributes[name];
    if (value === undefined || value === "") {
      throw new ValidationError(`attributes.${name}`, `is required by the ${blueprint.name} blueprint (its teardown acts on it): give ${rule.means}`);
    }
    if (!rule.pattern.test(value)) throw new ValidationError(`attributes.${name}`, `"${value}" is not ${rule.means}, as the ${blueprint.name} blueprint needs`);
  }
}
