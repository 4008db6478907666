import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localCredentials, localRegion } from "../../../local/src/world/clients.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { Ec2Instances } from "../../src/aws/ec2/Ec2Instances.js";
import { TargetGroups } from "../../src/aws/elbv2/TargetGroups.js";
import { Ec2SsmTarget } from "../../src/aws/ssm/Ec2SsmTarget.js";
import { SsmRunCommand } from "../../src/aws/ssm/SsmRunCommand.js";
import { CloudRequestError, CloudResourceNotFoundError, ThrottledError } from "../../src/errors.js";

/** The EC2, ELBv2 and SSM adapters through the unmodified SDK clients, against the fleet simulator. */
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;

let sim: FleetSimulator;
let clients: { ec2: EC2Client; elb: ElasticLoadBalancingV2Client; ssm: SSMClient };
let web = "";
let admin = "";

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  const config = { endpoint: sim.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 };
  clients = { ec2: new EC2Client(config), elb: new ElasticLoadBalancingV2Client(config), ssm: new SSMClient(config) };
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.config({ ssmPendingSeconds: 1, ssmRunSeconds: 10 });
  const seeded = await sim.control.seed({
    ec2Instances: [
      { InstanceId: id(1), AutoScalingGroupName: "web-asg", Tags: [{ Key: "Name", Value: "web-1" }, { Key: "Role", Value: "web" }] },
      { InstanceId: id(2), AutoScalingGroupName: "web-asg", Tags: [{ Key: "Name", Value: "web-2" }, { Key: "Role", Value: "web" }] },
      { InstanceId: id(3), AutoScalingGroupName: "web-asg", State: "stopped", Tags: [{ Key: "Role", Value: "web" }] },
      { InstanceId: id(4), AutoScalingGroupName: "worker-asg", Tags: [{ Key: "Role", Value: "worker" }] },
    ],
    loadBalancersV2: [{ LoadBalancerName: "front" }],
    targetGroups: [
      { TargetGroupName: "web", LoadBalancerNames: ["front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 60, targets: [id(1), id(2)] },
      { TargetGroupName: "admin", Port: 8080, LoadBalancerNames: ["front"], DeregistrationDelaySeconds: 30, targets: [id(1)] },
    ],
    ssmDocuments: ["Shop-Deploy"],
  });
  [web = "", admin = ""] = seeded.targetGroupArns ?? [];
});

describe("Class: Ec2Instances (through the SDK, against the simulator)", () => {
  it("selects running instances by Auto Scaling group or by tags", async () => {
    const ec2 = new Ec2Instances(clients.ec2);
    expect((await ec2.running({ asg: "web-asg" })).map((i) => [i.instanceId, i.name])).toEqual([
      [id(1), "web-1"],
      [id(2), "web-2"],
    ]);
    expect((await ec2.running({ tags: { Role: "worker" } })).map((i) => i.instanceId)).toEqual([id(4)]);
    expect(await ec2.running({ tags: { Role: "web", Name: "web-2" } })).toMatchObject([{ instanceId: id(2) }]);
    expect(await ec2.state(id(3))).toBe("stopped");
    expect(await ec2.state(id(99))).toBeUndefined();
  });
});

describe("Class: TargetGroups (through the SDK, against the simulator)", () => {
  it("lists groups by ARN with members, drains on detach for the group's delay, and comes back healthy on the same port", async () => {
    const tgs = new TargetGroups(clients.elb);
    expect(await tgs.list()).toEqual([
      { name: web, instances: [id(1), id(2)] },
      { name: admin, instances: [id(1)] },
    ]);
    expect(await tgs.deregistrationDelaySeconds("admin")).toBe(30);
    expect(await tgs.timing(web)).toEqual({ drainSeconds: 60, healthIntervalSeconds: 10, healthyThreshold: 3 });

    await tgs.detach(admin, [id(1)]);
    await tgs.detach(admin, [id(1)]); // a retry: already draining, not an error
    expect(await tgs.health(admin, [id(1)])).toMatchObject([{ state: "OutOfService", draining: true, unregistered: false }]);
    await sim.control.advance(31);
    expect(await tgs.health(admin, [id(1)])).toMatchObject([{ state: "OutOfService", draining: false, unregistered: true }]);

    await tgs.attach(admin, [id(1)]);
    await tgs.attach(admin, [id(1)]); // a repeat leaves it registering
    expect(await tgs.targets(admin)).toMatchObject([{ id: id(1), port: 8080, state: "initial" }]);
    await sim.control.advance(151);
    expect(await tgs.health("admin", [id(1)])).toMatchObject([{ state: "InService", unregistered: false, draining: false }]);
    const registers = await sim.control.calls("RegisterTargets");
    expect(registers).toHaveLength(1);
    expect(registers[0]?.params).toMatchObject({ TargetGroupArn: admin });
  });

  it("answers a target named by id alone with each of its registrations on any port, one named with a port with that one, one not registered with Target.NotRegistered", async () => {
    const tgs = new TargetGroups(clients.elb);
    // id(1) also on 9000 in "web" (port 80); id(2) is registered on 80 only.
    await clients.elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(1), Port: 9000 }] }));
    const ask = async (Targets: { Id: string; Port?: number }[]) =>
      ((await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: web, Targets }))).TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id, d.Target?.Port, d.TargetHealth?.State, d.TargetHealth?.Reason]);
    expect(await ask([{ Id: id(1) }, { Id: id(2) }])).toEqual([
      [id(1), 80, "healthy", undefined],
      [id(1), 9000, "initial", "Elb.RegistrationInProgress"],
      [id(2), 80, "healthy", undefined],
    ]);
    expect(await ask([{ Id: id(1), Port: 9000 }, { Id: id(2), Port: 9000 }])).toEqual([
      [id(1), 9000, "initial", "Elb.RegistrationInProgress"],
      [id(2), 9000, "unused", "Target.NotRegistered"],
    ]);
    // Not registered in the group at all: one row on the group's port.
    expect(await ask([{ Id: id(4) }])).toEqual([[id(4), 80, "unused", "Target.NotRegistered"]]);
    await expect(ask([{ Id: "i-0000000000000dead" }])).rejects.toMatchObject({ name: "InvalidTargetException" });
    // The adapter: both registrations of id(1) in its health, a detach takes out both ports, an attach puts back each.
    expect(await tgs.health(web, [id(1), id(4)])).toMatchObject([
      { instanceId: id(1), state: "OutOfService", unregistered: false, description: "80: healthy, 9000: initial (Elb.RegistrationInProgress)" },
      { instanceId: id(4), unregistered: true },
    ]);
    const since = await sim.control.lastSeq();
    await tgs.detach(web, [id(1)]);
    const deregistered = (await sim.control.calls("DeregisterTargets", since)).map((e) => e.params);
    expect(deregistered).toMatchObject([{ "Targets.member.1.Id": id(1), "Targets.member.1.Port": "80", "Targets.member.2.Id": id(1), "Targets.member.2.Port": "9000" }]);
    await tgs.attach(web, [id(1)]);
    expect((await tgs.targets(web, [id(1)])).map((t) => [t.port, t.state])).toEqual([
      [80, "initial"],
      [9000, "initial"],
    ]);
    // Every read above named its targets: none read the whole group.
    expect((await sim.control.calls("DescribeTargetHealth", since)).map((e) => Object.keys(e.params as object).some((k) => k.startsWith("Targets.member.")))).not.toContain(false);
  });

  it("translates not found, invalid targets and throttling into Scythe's errors", async () => {
    const tgs = new TargetGroups(clients.elb);
    await expect(tgs.health("no-such-group")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    await expect(tgs.attach(web, [id(3)])).rejects.toBeInstanceOf(CloudRequestError); // stopped: InvalidTarget
    await sim.control.addFaults({ action: "elbv2:DescribeTargetHealth", error: "Throttling", status: 400, count: 1 });
    await expect(tgs.health(web)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("Class: Ec2SsmTarget (through the SDK, against the simulator)", () => {
  const target = (command: ConstructorParameters<typeof Ec2SsmTarget>[2]["command"] = { commands: ["./deploy.sh"] }) =>
    new Ec2SsmTarget(new Ec2Instances(clients.ec2), new SsmRunCommand(clients.ssm), { selection: { asg: "web-asg" }, command });

  it("lists the group's running instances, sends one command to a batch, and follows it to success", async () => {
    const t = target();
    expect((await t.listInstances()).map((i) => [i.hostname, i.status, i.endpointId])).toEqual([
      ["web-1", "online", id(1)],
      ["web-2", "online", id(2)],
    ]);
    const commandId = await t.startDeployment({ stackId: "s", appId: "a", instanceIds: [id(1), id(2)], migrate: false, comment: "batch 1" });
    expect((await sim.control.calls("SendCommand")).map((c) => c.params)).toMatchObject([{ DocumentName: "AWS-RunShellScript", InstanceIds: [id(1), id(2)], Comment: "batch 1" }]);
    expect(await t.getDeployment(commandId)).toMatchObject({ status: "running", instanceIds: [id(1), id(2)] });
    await sim.control.advance(12);
    expect(await t.getDeployment(commandId)).toEqual({ deploymentId: commandId, status: "successful", instanceIds: [id(1), id(2)], comment: "batch 1" });
    expect((await t.findDeployments("a", "batch 1")).map((d) => d.deploymentId)).toEqual([commandId]);
    expect(await t.findDeployments("a", "batch 2")).toEqual([]);
  });

  it("fails naming the command and the instance whose invocation failed, once every invocation has ended", async () => {
    const t = target({ document: "Shop-Deploy", parameters: { version: ["42"] } });
    await sim.control.failSsmInvocations([id(2)]);
    const commandId = await t.startDeployment({ stackId: "s", appId: "a", instanceIds: [id(1), id(2)], migrate: false, comment: "c" });
    await sim.control.advance(12);
    const deployment = await t.getDeployment(commandId);
    expect(deployment).toMatchObject({ deploymentId: commandId, status: "failed", failures: [{ instanceId: id(2), status: "Failed", detail: expect.stringContaining("exit code 1") }] });
  });

  it("refuses an unknown document and an unknown command as SSM does", async () => {
    await expect(target({ document: "Nope" }).startDeployment({ stackId: "s", appId: "a", instanceIds: [id(1)], migrate: false, comment: "c" })).rejects.toBeInstanceOf(CloudRequestError);
    await expect(target().getDeployment("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
  });
});
