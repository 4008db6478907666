import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator, type SeedInput } from "../../../local/src/sim/index.js";
import { Elbv2Teardown } from "../../src/aws/elbv2/Elbv2Teardown.js";
import { sweepInventories } from "../../src/orphans/inventories.js";
import { OrphanSweep } from "../../src/orphans/OrphanSweep.js";
import type { OwnerRecords } from "../../src/orphans/OwnerRecords.js";
import { NameScheme } from "../../src/orphans/naming.js";

/** The orphan sweep over EC2 instances, ELBv2 load balancers and target groups, through the real clients, against the simulator. */
const TAG = "5c1e";
const scheme = new NameScheme(TAG);
const LIVE = "1a2b3c4d";
const GONE = "deadbeef";
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;

/** Owner records as a set: the registry's side is tested with DynamoDB Local in OrphanSweep.sim.test.ts. */
const records = (live: Iterable<string>): OwnerRecords => ({ scheme, ownerPrefixes: async () => new Set(live) });

let sim: FleetSimulator;
let clients: { opsworks: OpsWorksClient; elb: ElasticLoadBalancingClient; ec2: EC2Client; elbv2: ElasticLoadBalancingV2Client };
const sweep = (live: Iterable<string>) => new OrphanSweep({ records: records(live), inventories: sweepInventories(clients) });

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  const config = { ...aws, endpoint: sim.endpoint };
  clients = { opsworks: new OpsWorksClient(config), elb: new ElasticLoadBalancingClient(config), ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config) };
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  await sim.close();
});

function fleet(): SeedInput {
  const named = (n: number, Name: string) => ({ InstanceId: id(n), Tags: [{ Key: "Name", Value: Name }] });
  return {
    ec2Instances: [named(1, `scythe-${TAG}-${LIVE}-web`), named(2, `scythe-${TAG}-${GONE}-web`), named(3, "web-prod-1"), { InstanceId: id(4) }, named(5, `scythe-${TAG}-${GONE}-old`)],
    loadBalancersV2: [{ LoadBalancerName: `scythe-${TAG}-${LIVE}-alb` }, { LoadBalancerName: `scythe-${TAG}-${GONE}-alb` }, { LoadBalancerName: "prod-alb" }],
    targetGroups: [
      { TargetGroupName: `scythe-${TAG}-${LIVE}-tg`, LoadBalancerNames: [`scythe-${TAG}-${LIVE}-alb`], targets: [id(1)] },
      { TargetGroupName: `scythe-${TAG}-${GONE}-tg`, LoadBalancerNames: [`scythe-${TAG}-${GONE}-alb`], targets: [id(2)] },
      { TargetGroupName: `scythe-${TAG}-${GONE}-spare` },
      { TargetGroupName: "prod-tg", LoadBalancerNames: ["prod-alb"], targets: [id(3)] },
    ],
  };
}

beforeEach(async () => {
  await sim.control.reset();
  await sim.control.config({ timeScale: 0, stopSeconds: 20 });
  await sim.control.seed(fleet());
});

const changes = async () =>
  (await sim.control.events()).filter((e) => e.kind === "call" && /^(TerminateInstances|DeleteLoadBalancer|DeleteTargetGroup)$/.test(e.action) && e.outcome === "ok").map((e) => e.action);

describe("Orphan sweep over EC2 and ELBv2 (real clients, simulator)", () => {
  it("terminates orphan instances, then deletes load balancers, then their target groups, and nothing else", async () => {
    const report = await sweep([LIVE]).run();
    expect(report.errors).toEqual([]);
    expect(report.removed).toEqual({
      ec2Instance: [`scythe-${TAG}-${GONE}-web`, `scythe-${TAG}-${GONE}-old`],
      loadBalancerV2: [`scythe-${TAG}-${GONE}-alb`],
      targetGroup: [`scythe-${TAG}-${GONE}-tg`, `scythe-${TAG}-${GONE}-spare`],
    });
    expect(report.seen).toMatchObject({ ec2Instance: { total: 3, inScheme: 3 }, loadBalancerV2: { total: 3, inScheme: 2 }, targetGroup: { total: 4, inScheme: 3 } });
    expect(await changes()).toEqual(["TerminateInstances", "TerminateInstances", "DeleteLoadBalancer", "DeleteTargetGroup", "DeleteTargetGroup"]);
    const elbv2 = new Elbv2Teardown(clients.elbv2);
    expect((await elbv2.loadBalancers()).map((l) => l.name)).toEqual([`scythe-${TAG}-${LIVE}-alb`, "prod-alb"]);
    expect((await elbv2.targetGroups()).map((t) => t.name)).toEqual([`scythe-${TAG}-${LIVE}-tg`, "prod-tg"]);
    const states = (await sim.control.state()).ec2Instances.map((i) => [i.InstanceId, i.State]);
    expect(states).toEqual([
      [id(1), "running"],
      [id(2), "shutting-down"],
      [id(3), "running"],
      [id(4), "running"],
      [id(5), "shutting-down"],
    ]);
    const second = await sweep([LIVE]).run();
    expect(second.removed).toEqual({});
    expect(second.errors).toEqual([]);
  });

  it("removes nothing in a dry run, and reports what it would remove", async () => {
    const report = await sweep([LIVE]).run({ dryRun: true });
    expect(report.removed.targetGroup).toEqual([`scythe-${TAG}-${GONE}-tg`, `scythe-${TAG}-${GONE}-spare`]);
    expect(await changes()).toEqual([]);
  });

  it("reports a failed removal and goes on; the owner's later resources wait for the next pass", async () => {
    await sim.control.addFaults({ action: "elbv2:DeleteLoadBalancer", error: "AccessDenied", status: 403, count: 1 });
    const report = await sweep([LIVE]).run();
    expect(report.errors).toMatchObject([{ kind: "loadBalancerV2", name: `scythe-${TAG}-${GONE}-alb`, error: expect.stringContaining("AccessDenied") }]);
    expect(report.removed.ec2Instance).toHaveLength(2);
    expect(report.kept.map((k) => k.name)).toEqual([`scythe-${TAG}-${GONE}-tg`, `scythe-${TAG}-${GONE}-spare`]);
    const next = await sweep([LIVE]).run();
    expect(next.removed).toEqual({ loadBalancerV2: [`scythe-${TAG}-${GONE}-alb`], targetGroup: [`scythe-${TAG}-${GONE}-tg`, `scythe-${TAG}-${GONE}-spare`] });
  });

  it("reports a target group another owner's load balancer still forwards to as an error, never as removed", async () => {
    await sim.control.seed({ loadBalancersV2: [{ LoadBalancerName: "shared-alb" }], targetGroups: [{ TargetGroupName: `scythe-${TAG}-${GONE}-shared`, LoadBalancerNames: ["shared-alb"] }] });
    const report = await sweep([LIVE]).run();
    expect(report.errors).toMatchObject([{ kind: "targetGroup", name: `scythe-${TAG}-${GONE}-shared`, error: expect.stringContaining("ResourceInUse") }]);
    expect(report.removed.targetGroup).toEqual([`scythe-${TAG}-${GONE}-tg`, `scythe-${TAG}-${GONE}-spare`]);
  });

  it("never touches a name outside the scheme or owned by a live record (property)", async () => {
    const hex8 = fc.stringMatching(/^[0-9a-f]{8}$/);
    const owners = fc.constantFrom(LIVE, GONE, "0badf00d", "cafe0001");
    // ELBv2 names: 1-32 of [a-zA-Z0-9-], no hyphen at either end; near-misses of the scheme included.
    const near = fc.oneof(
      owners.map((o) => `scythe-${TAG}-${o}-x`),
      owners.map((o) => `scythe-${TAG}-${o}`),
      // another stage's names, and names from before stages were told apart
      owners.map((o) => `scythe-0ff1-${o}-x`),
      owners.map((o) => `scythe-${o}-x`),
      hex8.map((o) => `Scythe-${o}-x`),
      hex8.map((o) => `scythe${o}-x`),
      hex8.map((o) => `xscythe-${o}-x`),
      hex8.map((o) => `scythe-${TAG}-${o.toUpperCase()}-x`),
      hex8.map((o) => `scythe-${TAG}-${o.slice(0, 7)}-x`),
      fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(near, { minLength: 1, maxLength: 8 }), fc.subarray([LIVE, GONE, "0badf00d", "cafe0001"]), async (names, live) => {
        run++;
        await sim.control.reset();
        await sim.control.seed({
          ec2Instances: names.map((Name, k) => ({ InstanceId: id(1000 * run + k), Tags: [{ Key: "Name", Value: Name }] })),
          loadBalancersV2: names.map((LoadBalancerName) => ({ LoadBalancerName })),
          targetGroups: names.map((TargetGroupName) => ({ TargetGroupName, LoadBalancerNames: [TargetGroupName] })),
        });
        const report = await sweep(live).run();
        const orphan = (name: string) => {
          const owner = /^scythe-5c1e-([0-9a-f]{8})(?:-|$)/.exec(name)?.[1];
          return owner !== undefined && !live.includes(owner);
        };
        const expected = names.filter(orphan);
        expect(report.errors).toEqual([]);
        expect(report.removed.ec2Instance ?? []).toEqual(expected);
        expect(report.removed.loadBalancerV2 ?? []).toEqual(expected);
        expect(report.removed.targetGroup ?? []).toEqual(expected);
        // And the simulator agrees: every change it saw was on an orphan's resource.
        const touched = (await sim.control.events()).filter((e) => e.kind === "call" && /^(Terminate|Delete)/.test(e.action));
        expect(touched).toHaveLength(expected.length * 3);
      }),
      { numRuns: 25 },
    );
  });
});
