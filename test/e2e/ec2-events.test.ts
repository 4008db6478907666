import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { freshTables } from "../support/dynamo.js";
import { fastDeploy, type DeployTables } from "../support/deployWorld.js";
import { auditEc2Rollout, runEc2Rollout, targetMembership } from "../support/ec2Rollout.js";

/**
 * SSM commands are waited for by their instances' status events. The simulator runs slowly
 * enough here (50 ms per simulated second: the 120 s heartbeat lasts 6 s, a command and its
 * last event at most 5 s = 250 ms) that an event delivered on time beats the heartbeat even on
 * a loaded machine, so every direct read of a command in these runs is the cost of a lost or
 * late event, not of a slow test machine.
 */
let sim: FleetSimulator;
let world: DeployTables;
let fleetNo = 0;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 50 });
  world = await freshTables();
});
afterAll(() => sim.close());
afterEach(() => sim.control.clearFaults());

const hex = (n: number) => n.toString(16).padStart(17, "0");
const commandReads = new Set(["GetCommandInvocation", "ListCommandInvocations", "ListCommands"]);

async function rollout(instances: number, batchSize: number, config: Parameters<FleetSimulator["control"]["config"]>[0] = {}) {
  await sim.control.config({ ssmPendingSeconds: 1, ssmRunSeconds: 2, ssmEventMaxDelaySeconds: 2, ssmEventDuplicateProbability: 0, ...config });
  fleetNo++;
  const asg = `ev-${fleetNo}`;
  const ids = Array.from({ length: instances }, (_, i) => `i-${hex(fleetNo * 1000 + i + 1)}`);
  await sim.control.seed({
    ec2Instances: ids.map((InstanceId) => ({ InstanceId, AutoScalingGroupName: asg })),
    loadBalancersV2: [{ LoadBalancerName: `ev-front-${fleetNo}` }],
    targetGroups: [
      { TargetGroupName: `ev-main-${fleetNo}`, LoadBalancerNames: [`ev-front-${fleetNo}`], HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, DeregistrationDelaySeconds: 5, targets: ids },
    ],
  });
  const before = targetMembership(await sim.control.state());
  const since = await sim.control.lastSeq();
  const { result } = await runEc2Rollout(sim, world, { ec2: { asg, commands: ["./deploy.sh"] }, batchSize, ...fastDeploy });
  const events = await sim.control.events(since);
  const reads = events.filter((e) => e.kind === "call" && e.service === "ssm" && commandReads.has(e.action));
  const delivered = events.filter((e) => e.service === "ssm" && e.action === "EventDelivered");
  const dropped = events.filter((e) => e.service === "ssm" && e.action === "EventDropped");
  return { ids, result, audit: await auditEc2Rollout(sim.control, since, before), reads, delivered, dropped };
}

describe("EC2 rollout waits for its SSM commands by their status events", () => {
  it("completes every wait from the instances' events: no command read at all", async () => {
    const { ids, result, audit, reads, delivered } = await rollout(4, 2);
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    // Three status changes per invocation (Pending, InProgress, Success), each delivered once.
    expect(delivered).toHaveLength(12);
    expect(reads).toEqual([]);
    expect(result.entered.CheckDeployment).toBeUndefined();
    expect(result.entered.AwaitDeployment).toBe(2);
  });

  it("duplicated events change nothing: one wait per batch, no command read, one command per instance", async () => {
    const { ids, result, audit, reads, delivered } = await rollout(4, 2, { ssmEventDuplicateProbability: 1 });
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    expect(delivered).toHaveLength(24);
    expect(reads).toEqual([]);
    expect(result.entered.AwaitDeployment).toBe(2);
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(audit.zeroHealthy).toEqual([]);
  });

  it("a lost event costs one GetCommandInvocation per instance of its batch, through the heartbeat's check, and nothing else", async () => {
    // The first batch's six status events (two instances: Pending, InProgress and Success) are lost.
    await sim.control.addFaults({ action: "ssm:CommandInvocationStatusChangeEvent", drop: true, count: 6 });
    const { ids, result, audit, reads, dropped } = await rollout(4, 2);
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    expect(dropped).toHaveLength(6);
    expect(result.entered.CheckDeployment).toBe(1);
    expect(reads.map((e) => e.action)).toEqual(["GetCommandInvocation", "GetCommandInvocation"]);
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
  });

  it("events later than the heartbeat: the check moves on, the late copies complete nothing twice", async () => {
    const { ids, result, audit, reads } = await rollout(2, 1, { ssmEventMaxDelaySeconds: 400, ssmEventDuplicateProbability: 0.5 });
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    expect(reads.every((e) => e.action === "GetCommandInvocation")).toBe(true);
    expect(reads.length).toBeLessThanOrEqual(2 * (result.entered.CheckDeployment ?? 0));
    expect(audit.commandsPerInstance).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
  });
});
