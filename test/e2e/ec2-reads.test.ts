import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetSimulator, SimEvent } from "../../packages/local/src/sim/index.js";
import { fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";
import { auditEc2Rollout, runEc2Rollout, targetMembership } from "../support/ec2Rollout.js";

/**
 * What a target-group rollout reads with DescribeTargetHealth. A request naming no target reads
 * the whole group (every registration); one naming targets reads those. Per batch, the only
 * whole-group read left is the plan's membership list (LoadBalancers.list, once per group, the
 * counterpart of classic ELB's DescribeLoadBalancers); health, detach and attach ask about the
 * instances they are about, so a rollout's reads do not grow with the group once per step.
 */
let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

const hex = (n: number) => n.toString(16).padStart(17, "0");

/** The targets a DescribeTargetHealth request names (none: the whole group). */
const askedTargets = (e: SimEvent): number => Object.keys(e.params as Record<string, string>).filter((k) => /^Targets\.member\.\d+\.Id$/.test(k)).length;

describe("State machine: a target-group rollout reads only what each step is about", () => {
  it("40 instances in batches of 2: one whole-group read per group and batch (the membership), every other read names at most a batch and its sample", { timeout: 240_000 }, async () => {
    const n = 40;
    const batchSize = 2;
    const ids = Array.from({ length: n }, (_, i) => `i-${hex(0x7a000 + i + 1)}`);
    await sim.control.seed({
      ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: "reads-asg", Tags: [{ Key: "Name", Value: `web${i + 1}` }] })),
      loadBalancersV2: [{ LoadBalancerName: "reads-front" }],
      targetGroups: [
        { TargetGroupName: "reads-main", LoadBalancerNames: ["reads-front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 30, targets: ids },
        { TargetGroupName: "reads-half", Port: 8080, LoadBalancerNames: ["reads-front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 30, targets: ids.slice(0, n / 2) },
      ],
    });
    const groups = (await sim.control.state()).targetGroups.length;
    const before = targetMembership(await sim.control.state());
    const since = await sim.control.lastSeq();
    const { result } = await runEc2Rollout(sim, world, { ec2: { asg: "reads-asg", commands: ["./deploy.sh"] }, batchSize, ...fastDeploy });
    expect(result.status, JSON.stringify(result.cause)).toBe("SUCCEEDED");
    const audit = await auditEc2Rollout(sim.control, since, before);
    expect(audit.zeroHealthy).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);

    const reads = (await sim.control.calls("DescribeTargetHealth", since)).filter((e) => e.outcome === "ok");
    const whole = reads.filter((e) => askedTargets(e) === 0);
    const named = reads.filter((e) => askedTargets(e) > 0);
    const batches = n / batchSize;
    // The plan lists every instance target group's members once per batch, and nothing else reads a whole group.
    expect(whole.length).toBeLessThanOrEqual(batches * groups);
    // A named read asks about a batch, or a batch's sample of three others: never a group's worth.
    expect(Math.max(0, ...named.map(askedTargets))).toBeLessThanOrEqual(Math.max(batchSize, 3));
    expect(named.length).toBeGreaterThan(0);
  });
});
