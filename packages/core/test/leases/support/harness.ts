import { randomUUID } from "node:crypto";
import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoRegistry } from "../../../src/aws/dynamo/index.js";
import { type Clock } from "../../../src/clock.js";
import { Blueprints, ExpirySweep, LeaseService, UpdateWorker, type Blueprint, type ExpiryTarget, type UpdateWorkerSettings } from "../../../src/leases/index.js";
import { DynamoLockStore } from "../../../src/aws/dynamo/index.js";
import { LockService } from "../../../src/lock/index.js";
import { CommandQueue, type DestroyResult, type ResourceRecord } from "../../../src/registry/index.js";
import { type TableNames } from "../../../src/schema/index.js";
import { freshTables } from "../../../../../test/support/dynamo.js";
import { localDocumentClient } from "../../../../local/src/world/clients.js";

/** A clock tests move by hand; stored times are plain numbers, so DynamoDB Local does not mind. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(at: number): void {
    this.current = at;
  }
}

/**
 * A blueprint over an in-memory "cloud": destroy is idempotent (a second call reports
 * already-gone) and every call is recorded, so tests can count real destructions.
 */
export class RecordingBlueprint implements Blueprint {
  readonly gone = new Set<string>();
  readonly calls: { resourceId: string; result: DestroyResult | "error" }[] = [];
  readonly failures: Error[] = [];
  veto: string | undefined;
  vetoAsks = 0;
  onDestroyed: ((resource: ResourceRecord) => void) | undefined;

  constructor(readonly name = "recording") {}

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const failure = this.failures.shift();
    if (failure) {
      this.calls.push({ resourceId: resource.id, result: "error" });
      throw failure;
    }
    const result: DestroyResult = this.gone.has(resource.id) ? "already-gone" : "destroyed";
    this.gone.add(resource.id);
    this.calls.push({ resourceId: resource.id, result });
    if (result === "destroyed") this.onDestroyed?.(resource);
    return result;
  }

  async vetoExpiry(_target: ExpiryTarget): Promise<string | undefined> {
    this.vetoAsks++;
    return this.veto;
  }

  destroyedCount(resourceId: string): number {
    return this.calls.filter((c) => c.resourceId === resourceId && c.result === "destroyed").length;
  }
}

export const fastSettings: Partial<UpdateWorkerSettings> = {
  lockLeaseMs: 10_000,
  destroyRetryDelaysMs: [5, 10],
  deferMs: 60_000,
  vetoDelayMs: 60_000,
  reclaimGraceMs: 180_000,
};

export interface HarnessOptions {
  clock?: Clock;
  /** Registered besides the harness's RecordingBlueprint (named "recording"). */
  blueprints?: Blueprint[];
  settings?: Partial<UpdateWorkerSettings>;
  tables?: { names: TableNames; doc: DynamoDBDocumentClient; endpoint: string };
}

export type Harness = Awaited<ReturnType<typeof leaseHarness>>;

/** Fresh tables and every leases component wired to them, as the handlers wire them. */
export async function leaseHarness(options: HarnessOptions = {}) {
  const { names, doc, endpoint } = options.tables ?? (await freshTables());
  const clock = options.clock ?? { now: () => Date.now() };
  const blueprint = new RecordingBlueprint();
  const blueprints = new Blueprints([blueprint, ...(options.blueprints ?? [])]);
  const registry = new DynamoRegistry(doc, names.registry);
  const queue = new CommandQueue({ registry, clock });
  const locks = (ownerId: string, client: DynamoDBDocumentClient = doc) =>
    new LockService({ store: new DynamoLockStore(client, { tableName: names.locks }), clock, skewMs: 0, ownerId, maxPollMs: 20 });
  const worker = (id = `w-${randomUUID().slice(0, 6)}`, settings: Partial<UpdateWorkerSettings> = {}) =>
    new UpdateWorker({ registry, queue, locks: locks(id), blueprints, clock, workerId: id, settings: { ...fastSettings, ...options.settings, ...settings } });
  const service = new LeaseService({ registry, queue, worker: worker("service"), blueprints, clock });
  const sweep = (id = "sweep") => new ExpirySweep({ registry, queue, worker: worker(id), blueprints, clock });
  const item = async (pk: string, sk = "record") =>
    (await doc.send(new GetCommand({ TableName: names.registry, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const allItems = async () => {
    const out = await doc.send(new ScanCommand({ TableName: names.registry, ConsistentRead: true }));
    return (out.Items ?? []).sort((a, b) => `${a.pk}/${a.sk}`.localeCompare(`${b.pk}/${b.sk}`));
  };
  const resource = (overrides: Parameters<LeaseService["createResource"]>[0] | object = {}) =>
    service.createResource({ kind: "host", blueprint: blueprint.name, id: `r-${randomUUID().slice(0, 8)}`, ...overrides });
  return { endpoint, names, doc, clock, blueprint, blueprints, registry, queue, locks, worker, service, sweep, item, allItems, resource };
}

/**
 * A document client that works until `kill()` (or until `killAfter` requests), then fails
 * every request: a worker process that died, heartbeats included.
 */
export function killableClient(endpoint: string, killAfter = Number.POSITIVE_INFINITY) {
  const doc = localDocumentClient(endpoint);
  let sent = 0;
  let dead = false;
  doc.middlewareStack.add(
    (next) => async (args) => {
      if (dead || ++sent > killAfter) {
        dead = true;
        throw new Error("worker process died");
      }
      return next(args);
    },
    { step: "initialize", name: "killSwitch" },
  );
  return { doc, kill: () => void (dead = true), isDead: () => dead };
}
