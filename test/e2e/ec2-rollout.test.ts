import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ListCommandsCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { localClientConfig } from "../../packages/local/src/world/clients.js";
import { fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";
import { auditEc2Rollout, runEc2Rollout, targetMembership } from "../support/ec2Rollout.js";

/** Rolling deploys to EC2 instances behind ELBv2 target groups through SSM, audited from the simulator's event log. */
let sim: FleetSimulator;
let world: DeployTables;
let fleetNo = 0;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());
afterEach(() => sim.control.clearFaults());

const lockHeld = async (name: string) => (await new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(name)).held;

const hex = (n: number) => n.toString(16).padStart(17, "0");

/** `n` instances of a fresh Auto Scaling group, all in target group "main", the first alone in "solo" (port 8080). */
async function seedEc2Fleet(n: number) {
  fleetNo++;
  const asg = `web-${fleetNo}`;
  const ids = Array.from({ length: n }, (_, i) => `i-${hex(fleetNo * 1000 + i + 1)}`);
  await sim.control.seed({
    ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: asg, Tags: [{ Key: "Name", Value: `web${i + 1}` }] })),
    loadBalancersV2: [{ LoadBalancerName: `front-${fleetNo}` }],
    targetGroups: [
      { TargetGroupName: `main-${fleetNo}`, LoadBalancerNames: [`front-${fleetNo}`], HealthCheckIntervalSeconds: 300, HealthyThresholdCount: 10, DeregistrationDelaySeconds: 30, targets: ids },
      { TargetGroupName: `solo-${fleetNo}`, Port: 8080, LoadBalancerNames: [`front-${fleetNo}`], HealthCheckIntervalSeconds: 100, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 20, targets: [ids[0] ?? ""] },
    ],
  });
  return { asg, ids, main: `main-${fleetNo}`, solo: `solo-${fleetNo}` };
}

describe("State machine: rolling deploy to EC2 behind target groups, through SSM", () => {
  it.each([
    [1, 1],
    [2, 1],
    [5, 1],
    [5, 3],
    [20, 1],
    [20, 3],
  ])("deploys %i instance(s) in batches of %i across two target groups, one with a single healthy target, never emptying either", async (n, batchSize) => {
    const fleet = await seedEc2Fleet(n);
    const before = targetMembership(await sim.control.state());
    const since = await sim.control.lastSeq();
    const { result, report } = await runEc2Rollout(sim, world, { ec2: { asg: fleet.asg, commands: ["./deploy.sh"] }, batchSize, ...fastDeploy });
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    const audit = await auditEc2Rollout(sim.control, since, before);
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.attachedElsewhere).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(fleet.ids.map((id) => [id, 1])));
    expect(report?.deployed).toHaveLength(n);
    // The first instance is alone in "solo": deployed in place there, whatever the batch.
    expect(report?.notDetached.map((k) => k.loadBalancer).some((lb) => lb.includes(`targetgroup/${fleet.solo}/`))).toBe(true);
  });

  it.each([1, 3])("stops at a failed command on the second instance (batch %i): reattaches, releases the lock, fails naming the command and the instance", async (batchSize) => {
    const fleet = await seedEc2Fleet(5);
    const second = fleet.ids[1] ?? "";
    await sim.control.failSsmInvocations([second]);
    const before = targetMembership(await sim.control.state());
    const since = await sim.control.lastSeq();
    const { result } = await runEc2Rollout(sim, world, { ec2: { asg: fleet.asg, commands: ["./deploy.sh"] }, batchSize, ...fastDeploy });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("DeploymentFailedError");
    // The cause names the SSM command (the deployment) and the instance it failed on.
    const ssm = new SSMClient(localClientConfig(sim.endpoint));
    const commands = (await ssm.send(new ListCommandsCommand({ InstanceId: second }))).Commands ?? [];
    ssm.destroy();
    expect(commands).toHaveLength(1);
    expect(commands[0]?.Status).toBe("Failed");
    expect(result.cause).toContain(`deployment ${commands[0]?.CommandId ?? "?"} `);
    expect(result.cause).toContain(second);
    // Only the instance it failed on: the batch's others succeeded (or were still running).
    for (const other of fleet.ids.filter((id) => id !== second)) expect(result.cause).not.toContain(other);
    const audit = await auditEc2Rollout(sim.control, since, before);
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    // Nothing after the failing batch was sent a command.
    expect(Object.keys(audit.commandsPerInstance).sort()).toEqual(fleet.ids.slice(0, batchSize === 1 ? 2 : 3).sort());
    expect(await lockHeld(`deploy/ec2/asg/${fleet.asg}`)).toBe(false);
  });

  it("rolls out under throttling on 30% of ELBv2 calls, never emptying a group", async () => {
    const fleet = await seedEc2Fleet(5);
    const before = targetMembership(await sim.control.state());
    const since = await sim.control.lastSeq();
    await sim.control.addFaults({ action: "elbv2:*", error: "Throttling", status: 400, probability: 0.3, seed: 13 });
    const { result } = await runEc2Rollout(sim, world, { ec2: { asg: fleet.asg, commands: ["./deploy.sh"] }, batchSize: 2, ...fastDeploy });
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    const throttled = (await sim.control.events(since)).filter((e) => e.service === "elbv2" && e.faulted).length;
    expect(throttled).toBeGreaterThan(0);
    const audit = await auditEc2Rollout(sim.control, since, before);
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.attachedElsewhere).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(fleet.ids.map((id) => [id, 1])));
  });
});
