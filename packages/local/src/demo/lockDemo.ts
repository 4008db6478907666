import { sendFenced } from "@scythe/core/aws/dynamo";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService, StaleTokenError, fenceOf } from "@scythe/core/lock";
import type { DemoStep } from "./DemoStep.js";

/** Two workers contend for a lock; the holder dies; the other takes over with a higher token. */
export const lockDemo: DemoStep = {
  title: "Locks: a crashed holder is taken over, and its late write is refused",
  async run(world, output) {
    const store = new DynamoLockStore(world.doc, { tableName: world.endpoints.tables.locks });
    const a = new LockService({ store, ownerId: "worker-a", skewMs: 100 });
    const b = new LockService({ store, ownerId: "worker-b", skewMs: 100 });
    const name = "demo/deploy";
    const leaseMs = 1500;

    const first = await a.acquire(name, { leaseMs });
    // The lease was written before this instant, so it has surely run out leaseMs after it.
    const heldBy = Date.now();
    output.progress(`worker-a holds ${name} with token ${first.token} (lease ${leaseMs} ms)`);
    const key = { pk: "demo#lock", sk: "state" };
    await sendFenced(world.doc, { put: { TableName: world.endpoints.tables.registry, Item: { ...key, writer: "worker-a" } } }, fenceOf(first));
    output.progress("worker-a dies: it never renews nor releases its lease");

    const started = Date.now();
    const early = await b.acquire(name, { leaseMs: 10_000 }).catch(() => undefined);
    // On a very slow machine the lease may have run out before worker-b first asks: that is a takeover, not a breach.
    const ranOut = Date.now() - heldBy > leaseMs;
    const refusedAtOnce = early === undefined;
    output.progress(refusedAtOnce ? "worker-b is refused while the lease runs; it waits" : `worker-b asked only after the lease had run out (${ranOut})`);
    const second = early ?? (await b.acquire(name, { leaseMs: 10_000, waitMs: 10_000 }));
    const waitedMs = Date.now() - started;
    output.progress(`worker-b takes over after ${waitedMs} ms with token ${second.token}`);
    await sendFenced(world.doc, { put: { TableName: world.endpoints.tables.registry, Item: { ...key, writer: "worker-b" } } }, fenceOf(second));

    const late = await sendFenced(
      world.doc,
      { put: { TableName: world.endpoints.tables.registry, Item: { ...key, writer: "worker-a (late)" } } },
      fenceOf(first),
    ).then(() => "accepted", (error: unknown) => (error instanceof StaleTokenError ? "refused (stale token)" : String(error)));
    output.progress(`worker-a wakes up and writes with token ${first.token}: ${late}`);
    await b.release(second);

    const ok = (refusedAtOnce || ranOut) && second.token === first.token + 1 && late.startsWith("refused");
    return {
      summary: `${ok ? "ok" : "UNEXPECTED"}: token ${first.token} → ${second.token} after ${waitedMs} ms; late write ${late}`,
      details: { firstToken: first.token, secondToken: second.token, waitedMs, refusedAtOnce, lateWrite: late, ok },
    };
  },
};
