import { DeleteLoadBalancerCommand, ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { objectPk, recordSk } from "../../src/registry/keys.js";
import { ClassicElbInventory } from "../../src/aws/elb/ClassicElbInventory.js";
import { DynamoOwnerRecords } from "../../src/aws/dynamo/DynamoOwnerRecords.js";
import { OpsWorksInstanceInventory } from "../../src/aws/opsworks/OpsWorksInstanceInventory.js";
import { PlatformAppInventory } from "../../src/orphans/adapters/PlatformAppInventory.js";
import { HerokuPlatform } from "../../src/aws/heroku/HerokuPlatform.js";
import { OrphanSweep } from "../../src/orphans/OrphanSweep.js";
import { NameScheme } from "../../src/orphans/naming.js";
import type { OrphanSweepReport } from "../../src/orphans/report.js";
import { DynamoLockStore } from "../../src/aws/dynamo/DynamoLockStore.js";
import { LockService } from "../../src/lock/LockService.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";

const LIVE_ID = "1a2b3c4d-0000-4000-8000-000000000001";
const LIVE = "1a2b3c4d";
const GONE = "deadbeef";
const OTHER = "0badf00d";
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };

let sim: FleetSimulator;
/** This registry's name prefix, `scythe-<stage tag>-`. */
let P: string;
let sweep: OrphanSweep;
let makeSweep: (withLock: boolean) => OrphanSweep;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  const { doc, names } = await freshTables();
  P = NameScheme.forRegistry(names.registry).prefix;
  // The live owner: a resource record, torn down already (it still counts as live).
  await doc.send(new PutCommand({ TableName: names.registry, Item: { pk: objectPk({ kind: "resource", id: LIVE_ID }), sk: recordSk, status: "destroyed" } }));
  // Each sweep has its own clients and lock owner, as two Lambda invocations would.
  makeSweep = (withLock) =>
    new OrphanSweep({
      records: new DynamoOwnerRecords(doc, names.registry),
      inventories: [
        new OpsWorksInstanceInventory(new OpsWorksClient({ ...aws, endpoint: sim.endpoint })),
        new ClassicElbInventory(new ElasticLoadBalancingClient({ ...aws, endpoint: sim.endpoint })),
        new PlatformAppInventory(new HerokuPlatform({ baseUrl: `${sim.endpoint}/heroku`, token: "sim-token", maxAttempts: 1 })),
      ],
      ...(withLock && { lock: { locks: new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }) }), waitMs: 20_000 } }),
    });
  sweep = makeSweep(false);
});
afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.control.reset();
  await sim.control.config({ timeScale: 0, stopSeconds: 20 });
  const instance = (InstanceId: string, Hostname: string, Ec2InstanceId: string) => ({ InstanceId, Hostname, StackId: "stack-1", Status: "online", Ec2InstanceId });
  await sim.control.seed({
    stacks: [{ StackId: "stack-1", Name: "fleet" }],
    instances: [
      instance("i-live", `${P}${LIVE}-web`, "ec2-live"),
      instance("i-gone", `${P}${GONE}-web`, "ec2-gone"),
      instance("i-other", `${P}${OTHER}-web`, "ec2-other"),
      instance("i-prod", "web-prod-1", "ec2-prod"),
    ],
    loadBalancers: [
      { LoadBalancerName: `${P}${LIVE}-lb`, instances: ["ec2-live"] },
      { LoadBalancerName: `${P}${GONE}-lb`, instances: ["ec2-gone"] },
      { LoadBalancerName: `${P}${OTHER}-lb`, instances: ["ec2-other"] },
      { LoadBalancerName: "prod-lb", instances: ["ec2-prod"] },
    ],
    herokuApps: [{ name: `${P}${GONE}-review` }, { name: `${P}${LIVE}-review` }, { name: "marketing-site" }],
  });
});

const calls = async () =>
  (await sim.control.events()).filter((e) => e.kind === "call" && /Stop|Delete/.test(e.action)).map((e) => `${e.action} ${JSON.stringify(e.params)}`);

describe("Orphan sweep against the fleet simulator and DynamoDB Local", () => {
  it("stops orphan instances, then deletes them before their load balancers, and touches nothing else", async () => {
    const first = await sweep.run();
    expect(first.pending).toEqual({ instance: [`${P}${GONE}-web`, `${P}${OTHER}-web`] });
    expect(first.removed).toEqual({});
    expect(first.livePrefixes).toEqual([LIVE]);
    expect(first.orphanPrefixes).toEqual([OTHER, GONE].sort());

    await sim.control.advance(21);
    const second = await sweep.run();
    expect(second.removed).toEqual({
      instance: [`${P}${GONE}-web`, `${P}${OTHER}-web`],
      loadBalancer: [`${P}${GONE}-lb`, `${P}${OTHER}-lb`],
      app: [`${P}${GONE}-review`],
    });
    expect(second.errors).toEqual([]);

    const log = await calls();
    const order = (needle: string) => log.findIndex((l) => l.includes(needle));
    expect(order("DeleteInstance") ).toBeLessThan(order("DeleteLoadBalancer"));
    for (const l of log) expect(l).not.toMatch(/i-live|i-prod|prod-lb|-1a2b3c4d-/);

    const state = await sim.control.state();
    expect(JSON.stringify(state)).toContain("web-prod-1");
    expect(JSON.stringify(state)).toContain(`${P}${LIVE}-lb`);
    expect(JSON.stringify(state)).not.toContain(`${P}${GONE}-lb`);
    expect(state.herokuApps.map((a) => a.name).sort()).toEqual([`${P}${LIVE}-review`, "marketing-site"].sort());
  });

  it("reports a failing removal and still removes the rest", async () => {
    await sweep.run();
    await sim.control.advance(21);
    await sim.control.addFaults({ action: "DeleteLoadBalancer", error: "InternalFailure", status: 500, count: 1 });
    const report = await sweep.run();
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ kind: "loadBalancer", name: `${P}${GONE}-lb` });
    expect(report.removed.loadBalancer).toEqual([`${P}${OTHER}-lb`]);
    const again = await sweep.run();
    expect(again.removed.loadBalancer).toEqual([`${P}${GONE}-lb`]);
  });

  it("removes nothing in a dry run", async () => {
    const report = await sweep.run({ dryRun: true });
    expect(report.removed).toEqual({
      instance: [`${P}${GONE}-web`, `${P}${OTHER}-web`],
      loadBalancer: [`${P}${GONE}-lb`, `${P}${OTHER}-lb`],
      app: [`${P}${GONE}-review`],
    });
    expect(await calls()).toEqual([]);
    expect((await sim.control.events()).filter((e) => e.action.startsWith("DELETE"))).toEqual([]);
  });

  it("never reports as removed an app whose DELETE was refused with 403: it is still there, and that is an error", async () => {
    // The owner's instance goes first (stopped, then deleted next pass); its app after.
    await sweep.run();
    await sim.control.advance(21);
    await sim.control.addFaults({ action: "DELETE /apps", status: 403, error: "forbidden", message: "You do not have access to the app.", count: 1 });
    const report = await sweep.run();
    expect(report.removed.app).toBeUndefined();
    expect(report.alreadyGone.app).toBeUndefined();
    expect(report.errors).toEqual([expect.objectContaining({ kind: "app", name: `${P}${GONE}-review`, error: expect.stringMatching(/403/) })]);
    expect((await sim.control.state()).herokuApps.map((a) => a.name)).toContain(`${P}${GONE}-review`);
  });

  it("reports an app whose deletion another caller started (403 while it is being deleted) as not removed by this run", async () => {
    await sweep.run();
    await sim.control.advance(21);
    await sim.control.config({ herokuDeleteSeconds: 60 });
    const app = (await sim.control.state()).herokuApps.find((a) => a.name === `${P}${GONE}-review`);
    const res = await fetch(`${sim.endpoint}/heroku/apps/${app?.id ?? ""}`, { method: "DELETE", headers: { authorization: "Bearer sim-token" } });
    expect(res.status).toBe(200);
    const report = await sweep.run();
    expect(report.removed.app).toBeUndefined();
    expect(report.alreadyGone.app).toBeUndefined();
    expect(report.errors).toEqual([expect.objectContaining({ kind: "app", name: `${P}${GONE}-review`, error: expect.stringMatching(/403.*not removed/) })]);
  });

  it("reports a load balancer that was gone before its delete as already gone, not as removed", async () => {
    await sweep.run();
    await sim.control.advance(21);
    // Someone else deletes it between the listing and the removal: DeleteLoadBalancer would still succeed.
    const elb = new ElasticLoadBalancingClient({ ...aws, endpoint: sim.endpoint });
    const inventory = new ClassicElbInventory(elb);
    const listed = (await inventory.list()).find((r) => r.name === `${P}${GONE}-lb`);
    expect(listed).toBeDefined();
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: `${P}${GONE}-lb` }));
    expect(await inventory.remove(listed ?? { kind: "loadBalancer", name: "", id: "" })).toBe("already-gone");
  });

  it("is safe under double delivery: the same sweep twice at once or in a row removes each orphan once and says so once", async () => {
    for (const round of [0, 1, 2]) {
      await sim.control.reset();
      await sim.control.config({ timeScale: 0 });
      await sim.control.seed({
        stacks: [{ StackId: "stack-1", Name: "fleet" }],
        instances: [{ InstanceId: "i-gone", Hostname: `${P}${GONE}-web`, StackId: "stack-1", Status: "stopped", Ec2InstanceId: "ec2-gone" }],
        loadBalancers: [{ LoadBalancerName: `${P}${GONE}-lb` }, { LoadBalancerName: `${P}${OTHER}-lb` }],
        herokuApps: [{ name: `${P}${OTHER}-review` }],
      });
      // Rounds 0 and 1 deliver twice at once, round 2 twice in a row, then once more.
      const [a, b] = round < 2 ? await Promise.all([makeSweep(true).run(), makeSweep(true).run()]) : [await makeSweep(true).run(), await makeSweep(true).run()];
      const c = await makeSweep(true).run();
      const removed = (r: OrphanSweepReport) => Object.values(r.removed).flat();
      const all = [...removed(a), ...removed(b), ...removed(c)].sort();
      expect(all).toEqual([`${P}${GONE}-web`, `${P}${GONE}-lb`, `${P}${OTHER}-lb`, `${P}${OTHER}-review`].sort());
      const deletes = (await sim.control.events()).filter((e) => e.kind === "call" && /^(DeleteInstance|DeleteLoadBalancer|DELETE)/.test(e.action));
      expect(deletes).toHaveLength(4);
      expect([a, b, c].flatMap((r) => r.errors)).toEqual([]);
    }
  });
});
