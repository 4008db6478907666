import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { auditRollout, membership, startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, type DeployTables } from "../support/deployWorld.js";
import { freshTables } from "../support/dynamo.js";

/**
 * Deployments are waited for by their events. The simulator runs slowly enough here (20 ms
 * per simulated second: the 120 s heartbeat lasts 2.4 s) that an event delivered on time
 * always beats the heartbeat, so every direct DescribeDeployments in these runs is the cost
 * of a lost event, not of a slow test machine.
 */
let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 20 });
  world = await freshTables();
});
afterAll(() => sim.close());

async function rollout(instances: number, config: Parameters<FleetSimulator["control"]["config"]>[0] = {}, input: Record<string, unknown> = {}) {
  await sim.control.config({ deploymentSeconds: 20, defaultDrainSeconds: 5, healthCheckSeconds: 10, opsworksEventMaxDelaySeconds: 2, opsworksEventDuplicateProbability: 0, ...config });
  const fleet = await seedFleet(sim.control, { instances, loadBalancers: { main: Array.from({ length: instances }, (_, i) => i + 1) } });
  const since = await sim.control.lastSeq();
  const before = membership(await sim.control.state());
  const execution = await startLocalDeploy({ stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fastDeploy, ...input }, { services: deployServices(sim, world) });
  const result = await execution.result;
  const events = await sim.control.events(since);
  const checks = events.filter((e) => e.kind === "call" && e.action === "DescribeDeployments" && "DeploymentIds" in (e.params as object));
  const delivered = events.filter((e) => e.action === "DeploymentEventDelivered");
  const dropped = events.filter((e) => e.action === "DeploymentEventDropped");
  return { result, audit: await auditRollout(sim.control, since, before), checks, delivered, dropped };
}

describe("Rolling deploy waits for deployments by their events", () => {
  it("completes every wait from the deployment's event: no DescribeDeployments at all", async () => {
    const { result, audit, checks, delivered } = await rollout(3);
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1, 1]);
    expect(delivered).toHaveLength(3);
    expect(checks).toEqual([]);
    expect(result.entered.CheckDeployment).toBeUndefined();
  });

  it("a lost event costs exactly one DescribeDeployments: the heartbeat's direct check", async () => {
    await sim.control.addFaults({ action: "opsworks:DeploymentStateChangeEvent", drop: true, count: 1 });
    const { result, audit, checks, dropped } = await rollout(2);
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(dropped).toHaveLength(1);
    expect(checks).toHaveLength(1);
    expect(result.entered.CheckDeployment).toBe(1);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1]);
  });

  it("the wait's heartbeat is the input's heartbeatSeconds: 10 s against a 60 s deployment means direct checks while it runs, and the event still completes it", async () => {
    // The deployment cannot end (nor its event come) before 60 simulated seconds; the first heartbeat ends at 10.
    const { result, audit, checks, delivered } = await rollout(1, { deploymentSeconds: 60 }, { heartbeatSeconds: 10 });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(result.entered.CheckDeployment ?? 0).toBeGreaterThanOrEqual(1);
    expect(checks.length).toBe(result.entered.CheckDeployment);
    expect(delivered).toHaveLength(1);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1]);
  });

  it("a duplicated event changes nothing: each deployment is waited for once, with no extra call", async () => {
    const { result, audit, checks, delivered } = await rollout(3, { opsworksEventDuplicateProbability: 1 });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(delivered).toHaveLength(6);
    expect(checks).toEqual([]);
    expect(result.entered.AwaitDeployment).toBe(3);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1, 1]);
  });

  it("a failed deployment's event fails the rollout naming the deployment, after one confirming DescribeDeployments", async () => {
    await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
    const { result, audit, checks } = await rollout(2);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("DeploymentFailedError");
    expect(result.cause).toMatch(/deployment [0-9a-f-]+ on .* ended with status \\"failed\\"/);
    expect(checks).toHaveLength(1);
    expect(audit.notReattached).toEqual([]);
    expect(audit.zeroInService).toEqual([]);
  });
});
