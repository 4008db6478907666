import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";
import { auditEc2Rollout, targetMembership } from "../support/ec2Rollout.js";

/** `scythe deploy --asg / --instances`: EC2 behind target groups through SSM, from the command line. */
let sim: FleetSimulator;
let env: NodeJS.ProcessEnv;
const id = (n: number) => `i-${n.toString(16).padStart(17, "0")}`;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0.2 });
  const { endpoint, names } = await freshTables();
  const dir = await mkdtemp(join(tmpdir(), "scythe-ec2-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
  await sim.control.seed({
    ec2Instances: [1, 2, 3].map((n) => ({ InstanceId: id(n), AutoScalingGroupName: "shop", Tags: [{ Key: "Name", Value: `shop${n}` }, { Key: "Role", Value: "web" }] })),
    loadBalancersV2: [{ LoadBalancerName: "front" }],
    targetGroups: [
      { TargetGroupName: "shop-web", LoadBalancerNames: ["front"], DeregistrationDelaySeconds: 30, HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, targets: [id(1), id(2), id(3)] },
      { TargetGroupName: "shop-admin", Port: 8080, LoadBalancerNames: ["front"], DeregistrationDelaySeconds: 30, HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, targets: [id(3)] },
    ],
    ssmDocuments: ["Shop-Deploy"],
  });
  // An Auto Scaling group whose one instance is in no target group.
  await sim.control.seed({ ec2Instances: [{ InstanceId: id(9), AutoScalingGroupName: "lonely", Tags: [{ Key: "Name", Value: "lonely1" }] }] });
});
afterAll(() => sim.close());

describe("CLI: scythe deploy on EC2 (local world)", () => {
  it("shows the plan per target group with --dry-run and changes nothing", async () => {
    const since = await sim.control.lastSeq();
    const result = await runScythe(["deploy", "--instances", "tag:Role=web", "--command", "./deploy.sh", "--batch", "2", "--dry-run"], { env });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("dry run: nothing was changed");
    expect(result.stdout).toContain("batch 1: shop1, shop2");
    expect(result.stdout).toContain("per target group:");
    // Each group by its name, with the deregistration delay a batch waits out there.
    expect(result.stdout).toMatch(/targetgroup\/shop-admin \(deregistration delay 30 s\): batch 1: none out; batch 2: none out, deployed in place i-0+3/);
    expect(result.stdout).toMatch(/targetgroup\/shop-web \(deregistration delay 30 s\): batch 1: out i-0+1, i-0+2; batch 2: out i-0+3/);
    expect(result.stdout).not.toContain("arn:aws:elasticloadbalancing");
    const changes = (await sim.control.events(since)).filter((e) => e.kind === "call" && !/^(Describe|List|Get)/.test(e.action));
    expect(changes).toEqual([]);
  });

  it("rolls the Auto Scaling group out with a named document, one command per instance, every group served", async () => {
    const before = targetMembership(await sim.control.state());
    const since = await sim.control.lastSeq();
    const result = await runScythe(["deploy", "--asg", "shop", "--document", "Shop-Deploy", "--parameter", "version=42", "--poll", "5ms", "--json"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { status: string }).status).toBe("SUCCEEDED");
    const audit = await auditEc2Rollout(sim.control, since, before);
    expect(audit).toMatchObject({ zeroHealthy: [], notReattached: [], attachedElsewhere: [], membershipChanged: false });
    expect(audit.commandsPerInstance).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1 });
    const sent = (await sim.control.calls("SendCommand", since)).map((e) => e.params);
    expect(sent[0]).toMatchObject({ DocumentName: "Shop-Deploy", Parameters: { version: ["42"] } });
  });

  it("says plainly that an instance in no target group is deployed where it is", async () => {
    const result = await runScythe(["deploy", "--asg", "lonely", "--command", "./deploy.sh", "--dry-run"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/i-0+9: in no target group: deployed where it is/);
    expect(result.stdout).not.toContain("stays in every");
  });

  it("reports the rollout with target groups by name, never their ARNs", async () => {
    const result = await runScythe(["deploy", "--asg", "shop", "--command", "./deploy.sh", "--poll", "5ms"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/detached from targetgroup\/shop-web/);
    expect(result.stdout + result.stderr).not.toContain("arn:aws:elasticloadbalancing");
  });

  it.each([
    [["--asg", "shop", "--stack", "s-1", "--command", "x"], "--stack"],
    [["--asg", "shop", "--instances", "tag:Role=web", "--command", "x"], "--instances"],
    [["--instances", "Role=web", "--command", "x"], "--instances"],
    [["--asg", "shop"], "--command"],
    [["--asg", "shop", "--document", "Shop-Deploy", "--command", "x"], "--command"],
    [["--asg", "shop", "--document", "Shop-Deploy", "--parameter", "novalue"], "--parameter"],
    [["--asg", "nobody", "--command", "x"], "--asg"],
    [["--asg", "shop", "--command", "x", "--batch", "4"], "--batch"],
    [["--instances", "tag:Role", "--command", "x"], "--instances"],
    [["--instances", "tag:=web", "--command", "x"], "--instances"],
    [["--instances", "tag:Role=nobody", "--command", "x"], "--instances"],
    [["--asg", "shop", "--document", "Shop-Deploi"], "--document"],
  ])("refuses %j with exit 2 naming %s, changing nothing", async (args, field) => {
    const since = await sim.control.lastSeq();
    const result = await runScythe(["deploy", ...args, "--dry-run"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(field);
    const changes = (await sim.control.events(since)).filter((e) => e.kind === "call" && !/^(Describe|List|Get)/.test(e.action));
    expect(changes).toEqual([]);
  });
});
