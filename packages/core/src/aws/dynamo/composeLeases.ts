import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../../clock.js";
import { DynamoLockStore } from "./DynamoLockStore.js";
import { LockService } from "../../lock/LockService.js";
import type { TableNames } from "../../schema/tables.js";
import { Blueprints, type Blueprint } from "../../leases/Blueprint.js";
import { CommandQueue } from "../../registry/CommandQueue.js";
import { DynamoRegistry } from "./DynamoRegistry.js";
import type { ExpiryFanOut } from "../../leases/ExpiryFanOut.js";
import { ExpirySweep } from "../../leases/ExpirySweep.js";
import { LeaseService } from "../../leases/LeaseService.js";
import { UpdateWorker } from "../../leases/UpdateWorker.js";
import type { UpdateWorkerSettings } from "../../leases/WorkContext.js";

export interface LeasesOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly blueprints: readonly Blueprint[];
  readonly clock?: Clock;
  readonly workerId?: string;
  readonly settings?: Partial<UpdateWorkerSettings>;
  readonly sweepConcurrency?: number;
  /** Where the expiry sweep sends work beyond `inlineLimit` (the SQS queue in AWS). */
  readonly fanOut?: ExpiryFanOut;
  readonly inlineLimit?: number;
}

/** Wires the leases components on the caller's client: what every handler, the CLI and the demo use. */
export function composeLeases(options: LeasesOptions) {
  const clock = options.clock ?? systemClock;
  const registry = new DynamoRegistry(options.doc, options.tables.registry);
  const queue = new CommandQueue({ registry, clock });
  const locks = new LockService({ store: new DynamoLockStore(options.doc, { tableName: options.tables.locks }), clock, ownerId: options.workerId });
  const blueprints = new Blueprints(options.blueprints);
  const worker = new UpdateWorker({ registry, queue, locks, blueprints, clock, workerId: options.workerId ?? locks.ownerId, settings: options.settings });
  const service = new LeaseService({ registry, queue, worker, blueprints, clock });
  const sweep = new ExpirySweep({ registry, queue, worker, blueprints, clock, concurrency: options.sweepConcurrency, fanOut: options.fanOut, inlineLimit: options.inlineLimit });
  return { registry, queue, locks, blueprints, worker, service, sweep };
}

export type Leases = ReturnType<typeof composeLeases>;
