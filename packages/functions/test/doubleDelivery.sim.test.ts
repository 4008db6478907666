import { randomUUID } from "node:crypto";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { shippedBlueprints } from "@scythe/core/leases";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { NameScheme, PlatformAppInventory, sweepInventories } from "@scythe/core/orphans";
import { type TableNames } from "@scythe/core/schema";
import { deallocatorFrom } from "../src/deallocator/deps.js";
import { makeHandler as makeReconcile } from "../src/deallocator/reconcile.js";
import { makeHandler as makeDeallocatorStream } from "../src/deallocator/stream.js";
import { makeHandler as makeExpirySweep } from "../src/leases/expirySweep.js";
import { makeHandler as makeLeaseStream } from "../src/leases/streamWorker.js";
import { makeHandler as makeOrphans } from "../src/orphans/handler.js";
import { makeHandler as makeReaper } from "../src/reaper/makeHandler.js";
import { freshTables } from "../../../test/support/dynamo.js";
import { localDynamoClient } from "../../local/src/world/clients.js";
import { startStreamPoller } from "../../local/src/world/registryStream.js";
import { startFleetSimulator, type FleetSimulator } from "../../local/src/sim/index.js";
import { lambdaContext } from "./reaper/support.js";

/**
 * EventBridge, and Lambda's stream event sources, deliver at least once: every janitor
 * function gets the same event twice, at once and one after the other, against DynamoDB
 * Local and the fleet simulator. Each is a separate "invocation" (its own clients, worker
 * id and lock owner). What must hold: one DELETE per thing, and reports that together
 * claim each removal once.
 */

const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };
const TOKEN = "sim-token";
let sim: FleetSimulator;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  await sim.control.reset();
  await sim.control.config({ timeScale: 0, herokuDeleteSeconds: 0 });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const context = (): Context => lambdaContext(() => 120_000);
/** What each schedule sends (stacks/): the expiry sweep gets EventBridge's own event, the others a fixed payload. */
const scheduled = { "detail-type": "Scheduled Event", source: "aws.events", id: "same-event-id", detail: {} };
const sweepPayload = { dryRun: false };
type Delivery = "at once" | "in a row";
const deliveries: Delivery[] = ["at once", "in a row", "at once", "in a row"];

async function twice<T>(how: Delivery, run: () => Promise<T>): Promise<T[]> {
  return how === "at once" ? Promise.all([run(), run()]) : [await run(), await run()];
}

/** Successful deletes the simulator answered, by what they deleted. */
async function deletes(): Promise<string[]> {
  return (await sim.control.events())
    .filter((e) => e.kind === "call" && e.outcome === "ok" && /^(DELETE \/apps|DeleteInstance|DeleteLoadBalancer)$/.test(e.action))
    .map((e) => `${e.action} ${JSON.stringify(e.params).replace(/"(method|body)":"[^"]*",?/g, "")}`);
}

/** A separate invocation's leases components, on the simulator's OpsWorks and Heroku. */
function invocation(tables: { doc: Awaited<ReturnType<typeof freshTables>>["doc"]; names: TableNames }): Leases {
  return composeLeases({
    doc: tables.doc,
    tables: tables.names,
    blueprints: shippedBlueprints({
      opsworks: new OpsWorksClient({ ...aws, endpoint: sim.endpoint }),
      heroku: { token: TOKEN, baseUrl: `${sim.endpoint}/heroku` },
      stopPollMs: 10,
    }),
    workerId: `lambda:${randomUUID().slice(0, 8)}`,
    settings: { lockLeaseMs: 10_000, destroyRetryDelaysMs: [5, 10] },
  });
}

/** Two things to tear down in the simulator: a Heroku app and a stopped OpsWorks instance. */
async function cloudThings() {
  const seeded = await sim.control.seed({
    stacks: [{ StackId: "st", Name: "st" }],
    instances: [{ StackId: "st", Hostname: "build-host-1", Status: "stopped" }],
    herokuApps: [{ name: `review-${randomUUID().slice(0, 6)}` }],
  });
  const app = seeded.herokuApps[0]?.id ?? "";
  const instance = seeded.instances[0]?.InstanceId ?? "";
  return { app, instance };
}

async function resources(leases: Leases, things: { app: string; instance: string }, extra: { expiresInMs?: number } = {}) {
  const app = await leases.service.createResource({ id: randomUUID(), kind: "app", blueprint: "heroku-app", attributes: { app: things.app }, ...extra });
  const host = await leases.service.createResource({ id: randomUUID(), kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: things.instance }, ...extra });
  return [app.id, host.id];
}

/** Records the registry stream's batches without acting on them, to deliver them by hand. */
async function captureStream(endpoint: string, names: TableNames, during: () => Promise<void>): Promise<DynamoDBStreamEvent[]> {
  const batches: DynamoDBStreamEvent[] = [];
  const poller = await startStreamPoller({ endpoint, dynamo: localDynamoClient(endpoint), tableName: names.registry, handler: async (e) => void batches.push(e), pollMs: 20 });
  try {
    await during();
    await poller.settled();
    await poller.settled();
  } finally {
    await poller.stop();
  }
  return batches;
}

describe("Double delivery: lease expiry sweep", () => {
  it.each(deliveries)("tears each expired resource down once when the schedule fires twice %s", async (how) => {
    const tables = await freshTables();
    const things = await cloudThings();
    const ids = await resources(invocation(tables), things, { expiresInMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reports = await twice(how, () => makeExpirySweep(() => invocation(tables))(scheduled as never, context()));
    // A third, later run finishes anything a busy worker left (as the next minute's would): still one DELETE each.
    await makeExpirySweep(() => invocation(tables))(scheduled as never, context());
    const leases = invocation(tables);
    for (const id of ids) expect((await leases.registry.getResource(id))?.status).toBe("destroyed");
    expect(await deletes()).toHaveLength(2);
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
  });
});

describe("Double delivery: the leases stream worker", () => {
  it.each(deliveries)("consumes each command once when its stream batch comes twice %s", async (how) => {
    const tables = await freshTables();
    const things = await cloudThings();
    const owner = invocation(tables);
    const ids = await resources(owner, things);
    // A release appended by someone who does not run the worker: only the stream path acts on it.
    const batches = await captureStream(tables.endpoint, tables.names, async () => {
      for (const id of ids) await owner.queue.append({ kind: "resource", id }, { command: "release", reason: "request" }, "ci:job-9");
    });
    expect(batches.length).toBeGreaterThan(0);
    const results = await twice(how, async () => {
      const handler = makeLeaseStream(() => invocation(tables));
      let consumed = 0;
      for (const batch of batches) consumed += (await handler(batch as never, context())).consumed;
      return consumed;
    });
    expect(results.reduce((a, b) => a + b, 0)).toBe(2);
    for (const id of ids) expect((await owner.registry.getResource(id))?.status).toBe("destroyed");
    expect(await deletes()).toHaveLength(2);
  });
});

describe("Double delivery: the deallocator", () => {
  it.each(deliveries)("reconcile: destroys once and claims it once when the schedule fires twice %s", async (how) => {
    const tables = await freshTables();
    const things = await cloudThings();
    const owner = invocation(tables);
    const ids = await resources(owner, things);
    for (const id of ids) await owner.service.markDelete({ resourceId: id });
    const reports = await twice(how, () => makeReconcile(() => deallocatorFrom(invocation(tables)))(sweepPayload, context()));
    reports.push(await makeReconcile(() => deallocatorFrom(invocation(tables)))(sweepPayload, context()));
    expect(reports.flatMap((r) => r.destroyed).sort()).toEqual([...ids].sort());
    expect(await deletes()).toHaveLength(2);
  });

  it.each(deliveries)("stream: destroys once and claims it once when the same batch comes twice %s", async (how) => {
    const tables = await freshTables();
    const things = await cloudThings();
    const owner = invocation(tables);
    const ids = await resources(owner, things);
    const batches = await captureStream(tables.endpoint, tables.names, async () => {
      for (const id of ids) await owner.service.markDelete({ resourceId: id });
    });
    expect(batches.length).toBeGreaterThan(0);
    const reports = await twice(how, async () => {
      const handler = makeDeallocatorStream(() => deallocatorFrom(invocation(tables)));
      const destroyed: string[] = [];
      for (const batch of batches) destroyed.push(...(await handler(batch as never, context())).destroyed);
      return destroyed;
    });
    expect(reports.flat().sort()).toEqual([...ids].sort());
    expect(await deletes()).toHaveLength(2);
  });
});

describe("Double delivery: the orphan sweep", () => {
  it.each(deliveries)("removes each orphan once and claims it once when the schedule fires twice %s", async (how) => {
    const tables = await freshTables();
    const { prefix } = NameScheme.forRegistry(tables.names.registry);
    await sim.control.seed({
      stacks: [{ StackId: "st", Name: "st" }],
      instances: [{ StackId: "st", Hostname: `${prefix}deadbeef-web`, Status: "stopped" }],
      loadBalancers: [{ LoadBalancerName: `${prefix}deadbeef-lb` }],
      herokuApps: [{ name: `${prefix}deadbeef-review` }],
    });
    const handler = () =>
      makeOrphans(() => ({
        records: new DynamoOwnerRecords(tables.doc, tables.names.registry),
        inventories: sweepInventories({ opsworks: new OpsWorksClient({ ...aws, endpoint: sim.endpoint }), elb: new ElasticLoadBalancingClient({ ...aws, endpoint: sim.endpoint }) }),
        apps: { load: async () => TOKEN, inventory: (token) => new PlatformAppInventory(new HerokuPlatform({ baseUrl: `${sim.endpoint}/heroku`, token, maxAttempts: 1 })) },
        lock: { locks: new LockService({ store: new DynamoLockStore(tables.doc, { tableName: tables.names.locks }) }), waitMs: 20_000 },
      }), { withApps: true });
    const reports = await twice(how, () => handler()(sweepPayload, context()));
    expect(reports.flatMap((r) => Object.values(r.removed).flat()).sort()).toEqual([`${prefix}deadbeef-lb`, `${prefix}deadbeef-review`, `${prefix}deadbeef-web`]);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(await deletes()).toHaveLength(3);
  });
});

describe("Double delivery: the app reaper", () => {
  it.each(deliveries)("deletes each old app once and counts it once when the schedule fires twice %s", async (how) => {
    const tables = await freshTables();
    const old = new Date(Date.now() - 60 * 60_000).toISOString();
    await sim.control.seed({ herokuApps: ["a1", "b2", "c3"].map((n) => ({ name: `hatchet-t-${n}`, created_at: old })) });
    const handler = () =>
      makeReaper({
        locks: new LockService({ store: new DynamoLockStore(tables.doc, { tableName: tables.names.locks }) }),
        platform: (token) => new HerokuPlatform({ baseUrl: `${sim.endpoint}/heroku`, token, maxAttempts: 1 }),
        loadToken: async () => TOKEN,
        lockWaitMs: 20_000,
      });
    const reports = await twice(how, () => handler()({}, context()));
    expect(reports.flatMap((r) => r.deleted.map((d) => d.name)).sort()).toEqual(["hatchet-t-a1", "hatchet-t-b2", "hatchet-t-c3"]);
    expect(reports.flatMap((r) => r.conflicts)).toEqual([]);
    expect(await deletes()).toHaveLength(3);
  });
});
