import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type GetCommandInput,
  type PutCommandInput,
} from "@aws-sdk/lib-dynamodb";
import LockClient from "dynamodb-lock-client";
import { DynamoLockStore, LockService } from "@scythe/core";
import { meterClient } from "../src/world/meter.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * Scythe's lock against the npm package dynamodb-lock-client (FailOpen, fencing tokens),
 * on the same DynamoDB Local in the same process: cost per operation from
 * ReturnConsumedCapacity, and contended throughput as a ratio to the baseline.
 */
const leaseMs = 1000;
const windowMs = 3000;

type Acquire = (name: string) => Promise<() => Promise<void>>;

/** The SDK v2 DocumentClient shape the baseline expects, over the v3 document client. */
function v2Shim(doc: DynamoDBDocumentClient) {
  type Callback = (error: unknown, data?: unknown) => void;
  const settle = (promise: Promise<unknown>, callback: Callback) =>
    promise.then(
      (data) => callback(null, data),
      (error: Error & { code?: string }) => {
        error.code = error.name;
        callback(error);
      },
    );
  return {
    get: (p: GetCommandInput, cb: Callback) => settle(doc.send(new GetCommand(p)), cb),
    put: (p: PutCommandInput, cb: Callback) => settle(doc.send(new PutCommand(p)), cb),
    delete: (p: DeleteCommandInput, cb: Callback) => settle(doc.send(new DeleteCommand(p)), cb),
  };
}

function scytheAcquirer(doc: DynamoDBDocumentClient, tableName: string, owner: string): Acquire {
  const locks = new LockService({ store: new DynamoLockStore(doc, { tableName }), ownerId: owner, skewMs: 50 });
  return async (name) => {
    const lease = await locks.acquire(name, { leaseMs, waitMs: 60_000 });
    return () => locks.release(lease);
  };
}

function baselineAcquirer(doc: DynamoDBDocumentClient, tableName: string, owner: string): Acquire {
  const client = new LockClient.FailOpen({
    dynamodb: v2Shim(doc),
    lockTable: tableName,
    partitionKey: "pk",
    leaseDurationMs: leaseMs,
    owner,
    retryCount: 0,
    trustLocalTime: true,
  });
  return async (name) => {
    for (;;) {
      const lock = await new Promise<{ release: (cb: (e?: Error | null) => void) => void } | undefined>((resolve, reject) =>
        client.acquireLock(name, (error, acquired) => {
          if (error?.code === "FailedToAcquireLock") resolve(undefined);
          else if (error) reject(error);
          else resolve(acquired);
        }),
      );
      if (lock) return () => new Promise<void>((resolve, reject) => lock.release((e) => (e ? reject(e) : resolve())));
    }
  };
}

async function costPerOperation(make: (owner: string) => Acquire, meter: ReturnType<typeof meterClient>, name: string) {
  const acquire = make("solo");
  meter.reset();
  const release = await acquire(name);
  const acquired = meter.reading();
  meter.reset();
  await release();
  const released = meter.reading();
  return { acquired, released };
}

async function throughput(make: (owner: string) => Acquire, contenders: number, name: string) {
  let completed = 0;
  const deadline = Date.now() + windowMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: contenders }, async (_, i) => {
      const acquire = make(`c${i}`);
      while (Date.now() < deadline) {
        const release = await acquire(name);
        if (Date.now() <= deadline) completed++;
        await release();
      }
    }),
  );
  return completed / ((Math.min(Date.now(), deadline) - started) / 1000);
}

export async function run(): Promise<void> {
  const world = await benchDynamo("bench-lock-");
  try {
    const meter = meterClient(world.client);
    const tableName = world.names.locks;
    const scythe = (owner: string) => scytheAcquirer(world.doc, tableName, owner);
    const baseline = (owner: string) => baselineAcquirer(world.doc, tableName, owner);

    console.log(`Cost of one uncontended acquire and one release (DynamoDB Local, ReturnConsumedCapacity=TOTAL):`);
    const s = await costPerOperation(scythe, meter, "cost-scythe");
    const b = await costPerOperation(baseline, meter, "cost-baseline");
    const fmt = (r: { requests: number; readCapacity: number; writeCapacity: number; byCommand: Record<string, number> }) =>
      `${r.requests} req (${Object.entries(r.byCommand).map(([c, n]) => `${n} ${c.replace("Command", "")}`).join(", ")}), ${r.readCapacity} RCU, ${r.writeCapacity} WCU`;
    table([
      { library: "scythe", acquire: fmt(s.acquired), release: fmt(s.released) },
      { library: "dynamodb-lock-client", acquire: fmt(b.acquired), release: fmt(b.released) },
    ]);

    console.log(`\nContended throughput: acquisitions/s over ${windowMs} ms, lease ${leaseMs} ms, one lock name:`);
    const rows = [];
    for (const contenders of [2, 8, 32]) {
      const ours = await throughput(scythe, contenders, `tp-scythe-${contenders}`);
      const theirs = await throughput(baseline, contenders, `tp-baseline-${contenders}`);
      rows.push({
        contenders,
        "scythe acq/s": ours.toFixed(1),
        "baseline acq/s": theirs.toFixed(1),
        "scythe / baseline": ratio(ours, theirs),
      });
    }
    table(rows);
  } finally {
    await world.stop();
  }
}
