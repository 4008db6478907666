import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { LockService } from "@scythe/core/lock";
import { auditRollout, membership, startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

/**
 * Two deploys under different locks can reach the same instances: a `global` and a `stack`
 * scope over one layer (and, on EC2, an Auto Scaling group and a tag set sharing instances).
 * Neither lock excludes the other, so the instance itself is claimed: whatever the timing,
 * no instance has two deployments running at once, and a deploy that finds an instance
 * busy stops, naming the deploy that has it, and leaves the fleet as it found it.
 */

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

/** Deployments that ran on one instance at the same time, from the simulator's own records. */
function overlapping(deployments: readonly { InstanceIds: string[]; CreatedAt: string; CompletedAt?: string }[]) {
  const byInstance = new Map<string, { from: number; to: number }[]>();
  for (const d of deployments) {
    const span = { from: Date.parse(d.CreatedAt), to: d.CompletedAt ? Date.parse(d.CompletedAt) : Number.POSITIVE_INFINITY };
    for (const id of d.InstanceIds) byInstance.set(id, [...(byInstance.get(id) ?? []), span]);
  }
  const found: string[] = [];
  for (const [id, spans] of byInstance) {
    const sorted = spans.sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) if ((sorted[i]?.from ?? 0) < (sorted[i - 1]?.to ?? 0)) found.push(id);
  }
  return found;
}

async function seedLayer(instances: number) {
  const tag = Math.random().toString(36).slice(2, 8);
  const stack = await sim.control.seed({ stacks: [{ Name: `scopes-${tag}` }] });
  const stackId = stack.stackIds[0] ?? "";
  const rest = await sim.control.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "shop" }] });
  const seeded = await sim.control.seed({
    instances: Array.from({ length: instances }, (_, i) => ({ Hostname: `web${i + 1}`, StackId: stackId, LayerIds: [rest.layerIds[0] ?? ""], Status: "online" })),
  });
  await sim.control.seed({ loadBalancers: [{ LoadBalancerName: `lb-${tag}`, instances: seeded.instances.map((i) => i.Ec2InstanceId ?? "") }] });
  return { stackId, layerId: rest.layerIds[0] ?? "", appId: rest.appIds[0] ?? "" };
}

describe("Concurrent deploys under different lock scopes", () => {
  it("a global and a stack deploy of one layer at once never deploy one instance twice at a time (10 rounds)", async () => {
    for (let round = 0; round < 10; round++) {
      await sim.control.reset();
      // Deployments long enough (200 ms here) that two rollouts in step would overlap on an instance.
      await sim.control.config({ deploymentSeconds: 1000 });
      const ids = await seedLayer(3);
      const since = await sim.control.lastSeq();
      const before = membership(await sim.control.state());
      const services = deployServices(sim, world);
      const executions = await Promise.all(
        (["stack", "global"] as const).map((lockScope) => startLocalDeploy({ ...ids, ...fastDeploy, lockScope }, { services, waitMs: 5 })),
      );
      const results = await Promise.all(executions.map((e) => e.result));
      await new Promise((resolve) => setTimeout(resolve, 40));
      const state = await sim.control.state();

      expect(overlapping(state.deployments), `round ${round}`).toEqual([]);
      expect(await sim.control.violations()).toEqual([]);
      const audit = await auditRollout(sim.control, since, before);
      expect(audit).toMatchObject({ zeroInService: [], notReattached: [], attachedElsewhere: [], membershipChanged: false });
      expect(results.some((r) => r.status === "SUCCEEDED"), `round ${round}: one of them completes`).toBe(true);
      for (const [i, r] of results.entries()) {
        if (r.status === "SUCCEEDED") continue;
        const other = executions[1 - i]?.executionArn ?? "";
        expect(r.error).toBe("InstanceBusyError");
        expect(r.cause).toContain(`is being deployed by ${other}`);
      }
    }
  }, 300_000); // ten rounds of two rollouts: past vitest's 60 s default on a loaded machine

  it("an Auto Scaling group deploy and a tag deploy over the same EC2 instances at once: each instance's command and return to service alternate (10 rounds)", async () => {
    for (let round = 0; round < 10; round++) {
      await sim.control.reset();
      await sim.control.config({ ssmRunSeconds: 1000 });
      const ids = [1, 2, 3].map((n) => `i-${(0x5c0e00 + round * 16 + n).toString(16).padStart(17, "0")}`);
      await sim.control.seed({
        ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: "shop", Tags: [{ Key: "Name", Value: `web${i + 1}` }, { Key: "Role", Value: "web" }] })),
        loadBalancersV2: [{ LoadBalancerName: "front" }],
        targetGroups: [{ TargetGroupName: "main", LoadBalancerNames: ["front"], HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, DeregistrationDelaySeconds: 10, targets: ids }],
      });
      const since = await sim.control.lastSeq();
      const services = deployServices(sim, world);
      const commands = ["./release.sh"];
      const executions = await Promise.all(
        [{ asg: "shop", commands }, { tags: { Role: "web" }, commands }].map((ec2) => startLocalDeploy({ ec2, ...fastDeploy }, { services, waitMs: 5 })),
      );
      const results = await Promise.all(executions.map((e) => e.result));

      // Per instance, from the simulator's log: a command, then its return to the group, then (maybe) the next command.
      const steps = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const e of await sim.control.events(since)) {
        if (e.kind !== "call" || e.outcome !== "ok") continue;
        const params = e.params as Record<string, unknown>;
        if (e.action === "SendCommand") for (const id of (params.InstanceIds as string[] | undefined) ?? []) steps.get(id)?.push("command");
        if (e.action === "RegisterTargets") for (const id of ids) if (Object.values(params).includes(id)) steps.get(id)?.push("back");
      }
      for (const [id, seen] of steps) expect(seen.join(" "), `round ${round}, ${id}`).toMatch(/^(command back)( command back)?$/);
      expect(await sim.control.violations()).toEqual([]);
      expect(results.some((r) => r.status === "SUCCEEDED"), `round ${round}: one of them completes`).toBe(true);
      for (const [i, r] of results.entries()) {
        if (r.status === "SUCCEEDED") continue;
        expect(r.error, r.cause).toBe("InstanceBusyError");
        expect(r.cause).toContain(`is being deployed by ${executions[1 - i]?.executionArn ?? ""}`);
      }
    }
  }, 300_000);

  it("an instance claim whose deploy crashed (its lease ran out) is taken over; a live deploy's claim stops the rollout before anything leaves service", async () => {
    await sim.control.reset();
    await sim.control.config({ deploymentSeconds: 60 });
    const ids = await seedLayer(2);
    const services = deployServices(sim, world);
    const ec2 = (await sim.control.state()).instances.filter((i) => i.StackId === ids.stackId).map((i) => i.Ec2InstanceId ?? "");
    const claimAll = async (executionId: string, lock: string, token: number) => {
      for (const endpoint of ec2) {
        const held = (await services.claims.readInstances([endpoint])).get(endpoint);
        expect(await services.claims.claimInstance(endpoint, { executionId, lock, token, instanceId: "other", batch: 0 }, held)).toBe(true);
      }
    };

    // Its deploy lock was never taken at that token (or ran out): stale, taken over.
    await claimAll("arn:crashed", "deploy/stack/crashed-stack", 7);
    const first = await (await startLocalDeploy({ ...ids, ...fastDeploy }, { services, waitMs: 5 })).result;
    expect(first.status, first.cause).toBe("SUCCEEDED");
    expect((await services.claims.readInstances(ec2)).size).toBe(0);

    // A deploy that still holds its lease at the claim's token: nothing of this rollout leaves service.
    const alive = await new LockService({ store: services.lockStore, ownerId: "arn:alive" }).acquire("deploy/global", { leaseMs: 60_000 });
    await claimAll("arn:alive", alive.name, alive.token);
    const since = await sim.control.lastSeq();
    const second = await (await startLocalDeploy({ ...ids, ...fastDeploy }, { services, waitMs: 5 })).result;
    expect(second.status).toBe("FAILED");
    expect(second.error).toBe("InstanceBusyError");
    expect(second.cause).toContain("is being deployed by arn:alive (lock deploy/global)");
    const changes = (await sim.control.events(since)).filter((e) => e.kind === "call" && !/^(Describe|List|Get)/.test(e.action));
    expect(changes).toEqual([]);
    expect(await new LockService({ store: services.lockStore }).status(`deploy/stack/${ids.stackId}`)).toMatchObject({ held: false });
  });
});
