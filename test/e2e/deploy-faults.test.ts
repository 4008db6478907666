import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { type CleanupReport } from "@scythe/core/deploy";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import {
  LambdaFunctionError,
  appliedCall,
  auditRollout,
  membership,
  startLocalDeploy,
  type LocalDeployOptions,
} from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

const fast = fastDeploy;
const services = (maxAttempts?: number) => deployServices(sim, world, maxAttempts);
const journal = () => new DynamoDeployJournal(world.doc, { tableName: world.names.registry });
const lockStatus = (stackId: string) =>
  new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(`deploy/stack/${stackId}`);

async function start(spec: Parameters<typeof seedFleet>[1], options: Partial<LocalDeployOptions> = {}, extra: Record<string, unknown> = {}) {
  const fleet = await seedFleet(sim.control, spec);
  const since = await sim.control.lastSeq();
  const before = membership(await sim.control.state());
  const input = { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fast, ...extra };
  const execution = await startLocalDeploy(input, { services: services(), waitMs: 5, ...options });
  return { fleet, since, before, input, execution };
}

const createdFor = async (stackId: string, since: number) =>
  (await sim.control.calls("CreateDeployment", since))
    .filter((e) => appliedCall(e) && (e.params as { StackId: string }).StackId === stackId)
    .map((e) => (e.params as { InstanceIds: string[] }).InstanceIds);

describe("State machine faults: rolling deploy in the local world", () => {
  it("stops at a deployment that fails on instance 2: reattaches it, leaves 3 and 4 untouched, releases the lock", async () => {
    let deploys = 0;
    const { fleet, since, before, input, execution } = await start(
      { instances: 4, loadBalancers: { main: [1, 2, 3, 4], solo: [2] } },
      {
        wrapTask: (state, task) =>
          state !== "Deploy"
            ? task
            : async (payload) => {
                if (++deploys === 2) await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
                return task(payload);
              },
      },
    );
    const result = await execution.result;
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("DeploymentFailedError");
    const second = fleet.instances[1]?.InstanceId ?? "";
    const cause = JSON.parse(result.cause ?? "{}") as { errorMessage: string };
    expect(cause.errorMessage).toMatch(new RegExp(`^deployment [0-9a-f-]+ on ${second} ended with status "failed"$`));
    expect(result.entered.Recover).toBe(1);

    expect(await createdFor(fleet.stackId, since)).toEqual([[fleet.instances[0]?.InstanceId], [second]]);
    await new Promise((r) => setTimeout(r, 50)); // health checks of the reattached instance (30 s simulated)
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    const deregistered = (await sim.control.calls("DeregisterInstancesFromLoadBalancer", since)).flatMap((e) => Object.values(e.params as object));
    expect(deregistered).not.toContain(fleet.ec2(3));
    expect(deregistered).not.toContain(fleet.ec2(4));

    expect((await lockStatus(input.stackId)).held).toBe(false);
    const summary = await journal().summary(result.executionArn);
    expect(summary).toMatchObject({ status: "failed", error: { name: "DeploymentFailedError" } });
    const phases = (await journal().instances(result.executionArn)).map((r) => [r.hostname, r.phase]);
    expect(phases).toEqual([["web1", "done"], ["web2", "reattached"], ["web3", "pending"], ["web4", "pending"]]);
  });

  it("rides out Throttling on ELB calls: each throttled task is retried by the state machine", async () => {
    // One SDK attempt per call (the SDK's own backoff takes seconds), so every throttle reaches the task's Retry.
    await sim.control.addFaults(
      { action: "DeregisterInstancesFromLoadBalancer", error: "Throttling", count: 2 },
      { action: "RegisterInstancesWithLoadBalancer", error: "Throttling", count: 1 },
      { action: "elb:DescribeInstanceHealth", error: "Throttling", count: 2 },
    );
    const { fleet, since, before, execution } = await start({ instances: 3, loadBalancers: { main: [1, 2, 3] } }, { services: services(1) });
    const result = await execution.result;
    expect(result.status).toBe("SUCCEEDED");
    expect(result.retries).toBe(5);
    const throttled = (await sim.control.events(since)).filter((e) => e.code === "Throttling");
    expect(throttled).toHaveLength(5);
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1, 1]);
    expect(await createdFor(fleet.stackId, since)).toHaveLength(3);
  });

  it("retries a task whose Lambda failed, and a CreateDeployment whose answer was lost, without a second deployment", async () => {
    let failed = false;
    const { fleet, since, before, execution } = await start(
      { instances: 2, loadBalancers: { main: [1, 2] } },
      {
        wrapTask: (state, task) =>
          state !== "AwaitDeployment"
            ? task
            : async (payload) => {
                if (!failed) {
                  failed = true;
                  throw new LambdaFunctionError("Lambda.ServiceException", "Lambda was unable to run the function");
                }
                return task(payload);
              },
      },
    );
    await sim.control.addFaults({ action: "CreateDeployment", dropAfter: true, count: 1 });
    const result = await execution.result;
    expect(result.status).toBe("SUCCEEDED");
    expect(failed).toBe(true);
    expect(result.retries).toBeGreaterThanOrEqual(2);
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1]);
    expect(await createdFor(fleet.stackId, since)).toHaveLength(2);
    // The retry found the deployment whose answer was lost by its comment instead of creating another.
    const lookups = (await sim.control.calls("DescribeDeployments", since)).filter((e) => "AppId" in (e.params as object));
    expect(lookups).toHaveLength(1);
  });

  it("makes a second deploy of the same stack wait for the lock, or fail with DeployLockError after its lock wait", async () => {
    const spec = { instances: 2, loadBalancers: { main: [1, 2] } };
    let holds: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => (holds = resolve));
    const first = await start(spec, { onStateEntered: (state) => state === "Prepare" && holds() });
    await holding;
    const ids = { stackId: first.input.stackId, layerId: first.input.layerId, appId: first.input.appId };
    const impatient = await startLocalDeploy({ ...ids, ...fast, lockWaitSeconds: 0 }, { services: services(), waitMs: 5 });
    const patient = await startLocalDeploy({ ...ids, ...fast, lockWaitSeconds: 600 }, { services: services(), waitMs: 5 });
    const [a, b, c] = await Promise.all([first.execution.result, impatient.result, patient.result]);
    expect(a.status).toBe("SUCCEEDED");
    expect(b.status).toBe("FAILED");
    expect(b.error).toBe("DeployLockError");
    expect(JSON.parse(b.cause ?? "{}").errorMessage).toContain(`is still held by ${a.executionArn}`);
    expect(b.entered.Prepare).toBeUndefined();
    expect(c.status).toBe("SUCCEEDED");
    expect(c.entered.WaitForLock).toBeGreaterThanOrEqual(1);
    // The waiting deploy started only after the first finished: its deployments come after both of the first's.
    const created = await createdFor(ids.stackId, first.since);
    expect(created).toHaveLength(4);
    const summaries = await Promise.all([a, c].map((r) => journal().summary(r.executionArn)));
    expect(summaries.map((s) => s?.token)).toEqual([expect.any(Number), (summaries[0]?.token ?? 0) + 1]);
    const audit = await auditRollout(sim.control, first.since, first.before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
  });

  it("cleans up an aborted execution: the status-change cleanup reattaches the detached instance and releases the lock", async () => {
    let abort: () => void = () => undefined;
    let aborted = false;
    const { fleet, since, before, input, execution } = await start(
      { instances: 3, loadBalancers: { main: [1, 2, 3], other: [1, 2] } },
      {
        waitMs: 20,
        onStateEntered: (state) => {
          if (state === "AwaitDeployment" && !aborted) {
            aborted = true;
            abort();
          }
        },
      },
    );
    abort = execution.abort;
    const result = await execution.result;
    expect(result.status).toBe("ABORTED");
    const cleanup = result.cleanup as CleanupReport;
    expect(cleanup).toMatchObject({ status: "aborted", lockReleased: true, failures: [] });
    expect(cleanup.reattached).toEqual([{ instanceId: fleet.instances[0]?.InstanceId, loadBalancers: [fleet.lbName("main"), fleet.lbName("other")] }]);
    expect((await lockStatus(input.stackId)).held).toBe(false);
    expect(await journal().summary(result.executionArn)).toMatchObject({ status: "aborted" });

    await new Promise((r) => setTimeout(r, 50));
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    const state = await sim.control.state();
    for (const lb of state.loadBalancers.filter((l) => l.name.endsWith(fleet.lbName("main").slice(-6)))) {
      expect(lb.instances.every((i) => i.State === "InService")).toBe(true);
    }
  });
});
