import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDeployJournal, DynamoLockStore } from "@scythe/core/aws/dynamo";
import type { CleanupReport, DeployTaskState } from "@scythe/core/deploy";
import { LockService } from "@scythe/core/lock";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { deploymentEventFault } from "../../packages/local/src/sim/opsworksEvents.js";
import { LambdaFunctionError, appliedCall, auditRollout, membership, startLocalDeploy, type LocalDeployOptions, type LocalExecution, type LocalExecutionResult } from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

/**
 * The rolling deploy's invariants under a fault at every step, audited from the simulator's
 * event log (what the fleet saw), never from what Scythe reports:
 * - never zero in service behind any load balancer (the detector and the log stay silent);
 * - every instance ends attached to exactly the load balancers it started in;
 * - exactly one deployment per instance (at most one for a rollout that stopped);
 * - the lock is released; a failed deployment stops the rollout, reattaches, and fails the
 *   execution naming the deployment; an aborted parent cleans up the child in flight.
 * Faults: Throttling on the step's AWS call, its answer lost after the call was carried out,
 * the step's Lambda failing (Lambda.ServiceException), the deployment's event never coming.
 * Placed by fast-check at the k-th run of a step, for 1, 2 and 5 instances; 100 instances once
 * per fault kind.
 */

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

const kinds = ["throttle", "lostAnswer", "lambdaError", "eventLost"] as const;
type FaultKind = (typeof kinds)[number];

/** Per batch step, the AWS call a throttle or a lost answer hits (the step's first such call). */
const stepCalls = {
  Detach: "DeregisterInstancesFromLoadBalancer",
  CheckDrained: "elb:DescribeInstanceHealth",
  Deploy: "CreateDeployment",
  AwaitDeployment: undefined,
  Attach: "RegisterInstancesWithLoadBalancer",
  CheckInService: "elb:DescribeInstanceHealth",
} as const satisfies Partial<Record<DeployTaskState, string | undefined>>;
type BatchStep = keyof typeof stepCalls;
const batchSteps = Object.keys(stepCalls) as BatchStep[];
/** Steps run once per rollout: only a Lambda error applies to them here. */
const onceSteps = ["Validate", "AcquireLock", "Prepare", "Finish"] as const satisfies readonly DeployTaskState[];

interface Fault {
  readonly kind: FaultKind;
  readonly step: DeployTaskState;
  /** The run of the step (1-based) the fault is placed at. */
  readonly at: number;
}

const lockStatus = (tables: DeployTables, stackId: string) =>
  new LockService({ store: new DynamoLockStore(tables.doc, { tableName: tables.names.locks }) }).status(`deploy/stack/${stackId}`);

/** Arms the fault when its step runs for the `at`-th time (the step's next call gets it). */
function placing(target: FleetSimulator, fault: Fault): NonNullable<LocalDeployOptions["wrapTask"]> {
  let runs = 0;
  let placed = false;
  return (state, task) =>
    state !== fault.step
      ? task
      : async (payload) => {
          runs += 1;
          if (placed || runs !== fault.at) return task(payload);
          placed = true;
          const action = fault.step in stepCalls ? stepCalls[fault.step as BatchStep] : undefined;
          if (fault.kind === "lambdaError") throw new LambdaFunctionError("Lambda.ServiceException", "Lambda was unable to run the function");
          // Both copies EventBridge may deliver (a single copy leaves the second drop to the next deployment's event).
          if (fault.kind === "eventLost") await target.control.addFaults({ action: deploymentEventFault, drop: true, count: 2 });
          else if (action !== undefined) await target.control.addFaults(fault.kind === "throttle" ? { action, error: "Throttling", count: 1 } : { action, dropAfter: true, count: 1 });
          return task(payload);
        };
}

interface Run {
  readonly result: LocalExecutionResult;
  readonly stackId: string;
  readonly since: number;
  readonly before: ReturnType<typeof membership>;
  readonly fleet: Awaited<ReturnType<typeof seedFleet>>;
}

async function rollout(target: FleetSimulator, tables: DeployTables, instances: number, options: Partial<LocalDeployOptions>, onStart?: (execution: LocalExecution) => void): Promise<Run> {
  // Two load balancers: one with every instance, one with the first alone (never emptied: it is kept in place).
  const fleet = await seedFleet(target.control, { instances, loadBalancers: { all: Array.from({ length: instances }, (_, i) => i + 1), first: [1] } });
  const since = await target.control.lastSeq();
  const before = membership(await target.control.state());
  // One SDK attempt per call: every throttle and lost answer reaches the state machine's Retry.
  const services = deployServices(target, tables, 1);
  const execution = await startLocalDeploy({ stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fastDeploy }, { services, waitMs: 2, ...options });
  onStart?.(execution);
  const result = await execution.result;
  return { result, stackId: fleet.stackId, since, before, fleet };
}

/** The invariants every rollout keeps, whatever happened: from the simulator's log. */
async function expectInvariants(target: FleetSimulator, tables: DeployTables, run: Run, instances: number, completed: boolean): Promise<void> {
  const audit = await auditRollout(target.control, run.since, run.before);
  expect(audit.zeroInService).toEqual([]);
  expect(audit.notReattached).toEqual([]);
  expect(audit.attachedElsewhere).toEqual([]);
  expect(audit.membershipChanged).toBe(false);
  const deployments = Object.values(audit.deploymentsPerInstance);
  if (completed) {
    expect(deployments).toHaveLength(instances);
    expect(deployments.every((n) => n === 1)).toBe(true);
  } else {
    expect(deployments.every((n) => n <= 1)).toBe(true);
  }
  expect((await lockStatus(tables, run.stackId)).held).toBe(false);
}

const faultArb = fc
  .record({
    instances: fc.constantFrom(1, 2, 5),
    kind: fc.constantFrom(...kinds),
    batchStep: fc.constantFrom(...batchSteps),
    onceStep: fc.constantFrom(...onceSteps),
    once: fc.boolean(),
    raw: fc.nat(),
  })
  // Throttles and lost answers hit a step's AWS call; a lost event is placed at a deployment.
  .map(({ instances, kind, batchStep, onceStep, once, raw }) => {
    const step: DeployTaskState =
      kind === "eventLost" ? "Deploy" : kind === "lambdaError" && once ? onceStep : kind !== "lambdaError" && stepCalls[batchStep] === undefined ? "Deploy" : batchStep;
    const at = onceSteps.includes(step as (typeof onceSteps)[number]) ? 1 : 1 + (raw % instances);
    return { instances, fault: { kind, step, at } satisfies Fault };
  });

describe("Deploy fault matrix: invariants under a fault at every step", () => {
  it("1, 2 and 5 instances: a transient fault anywhere still rolls every instance once, safely", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(faultArb, async ({ instances, fault }) => {
        const run = await rollout(sim, world, instances, { wrapTask: placing(sim, fault) });
        expect({ fault, status: run.result.status, error: run.result.error }).toEqual({ fault, status: "SUCCEEDED", error: undefined });
        await expectInvariants(sim, world, run, instances, true);
        // A fault that fired was ridden out by a retry. (A call the step does not make, e.g.
        // no deregistration for an instance kept in place, leaves its fault unfired.)
        const faulted = (await sim.control.events(run.since)).some((e) => e.faulted === true && e.kind === "call");
        if (fault.kind === "lambdaError" || faulted) expect(run.result.retries).toBeGreaterThanOrEqual(1);
        if (fault.kind === "eventLost") {
          // The heartbeat's one direct check stands in for the lost event.
          const checks = (await sim.control.calls("DescribeDeployments", run.since)).filter(appliedCall).filter((e) => "DeploymentIds" in (e.params as object));
          expect(checks.length).toBeGreaterThanOrEqual(1);
        }
        await sim.control.clearFaults();
      }),
      { numRuns: 24, seed: 1201, endOnFailure: true },
    );
  });

  it("1, 2 and 5 instances: a deployment failing at instance k stops there, reattaches, releases the lock, fails naming it", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 5), fc.nat(), async (instances, raw) => {
        const k = 1 + (raw % instances);
        let deploys = 0;
        const run = await rollout(sim, world, instances, {
          wrapTask: (state, task) =>
            state !== "Deploy"
              ? task
              : async (payload) => {
                  if (++deploys === k) await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
                  return task(payload);
                },
        });
        expect(run.result.status).toBe("FAILED");
        expect(run.result.error).toBe("DeploymentFailedError");
        // The k-th instance's deployment, as the simulator knows it (the only failed one).
        const state = await sim.control.state();
        const failed = state.deployments.filter((d) => d.StackId === run.stackId && d.Status === "failed");
        expect(failed.map((d) => d.InstanceIds)).toEqual([[run.fleet.instances[k - 1]?.InstanceId]]);
        const deploymentId = failed[0]?.DeploymentId ?? "";
        expect(run.result.cause).toContain(`deployment ${deploymentId}`);
        expect(run.result.entered.Recover).toBe(1);
        // Health checks of the reattached instance (30 s simulated) before the audit reads membership.
        await new Promise((resolve) => setTimeout(resolve, 30));
        await expectInvariants(sim, world, run, instances, false);
        // The rollout stopped: nothing after instance k was deployed.
        expect((await sim.control.calls("CreateDeployment", run.since)).filter(appliedCall)).toHaveLength(k);
        const summary = await new DynamoDeployJournal(world.doc, { tableName: world.names.registry }).summary(run.result.executionArn);
        expect(summary).toMatchObject({ status: "failed", error: { name: "DeploymentFailedError" } });
      }),
      { numRuns: 6, seed: 1202, endOnFailure: true },
    );
  });

  it("an aborted parent cleans up the run of batches in flight: the child stops, its batch is reattached, the lock released", { timeout: 600_000 }, async () => {
    // 27 instances: two runs of batches (25 + 2); the abort comes while the second is rolling batch 26.
    const instances = 27;
    let abort: () => void = () => undefined;
    let detaches = 0;
    const runPromise = rollout(
      sim,
      world,
      instances,
      {
        onStateEntered: (state) => {
          if (state === "Detach") detaches += 1;
          if (state === "AwaitDeployment" && detaches === 26) abort();
        },
      },
      (execution) => (abort = execution.abort),
    );
    const run = await runPromise;
    expect(run.result.status).toBe("ABORTED");
    expect(run.result.children.map((c) => c.status)).toEqual(["SUCCEEDED", "ABORTED"]);
    const cleanup = run.result.cleanup as CleanupReport;
    expect(cleanup).toMatchObject({ status: "aborted", lockReleased: true, failures: [] });
    // The 26th batch (the second run's first), as the rollout planned it.
    const records = await new DynamoDeployJournal(world.doc, { tableName: world.names.registry }).instances(run.result.executionArn);
    expect(cleanup.reattached.map((r) => r.instanceId)).toEqual(records.filter((r) => r.batch === 25).map((r) => r.instanceId));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expectInvariants(sim, world, run, instances, false);
  });
});

describe("Deploy fault matrix: 100 instances, one rollout per fault kind", () => {
  it.each(kinds)("%s: every instance once, never zero in service, back in its load balancers, lock released", { timeout: 900_000 }, async (kind) => {
    // A simulator of its own on a faster clock (0.05 real ms per simulated second).
    // Its own seed: simulators with one seed mint the same deployment ids, and the registry is shared.
    const big = await startFleetSimulator({ timeScale: 0.05, seed: 100 + kinds.indexOf(kind) });
    try {
      const step: DeployTaskState = kind === "eventLost" ? "Deploy" : kind === "lambdaError" ? "AwaitDeployment" : "Detach";
      const fault: Fault = { kind, step, at: 1 + ((kinds.indexOf(kind) * 37) % 100) };
      const run = await rollout(big, world, 100, { wrapTask: placing(big, fault) });
      expect({ status: run.result.status, error: run.result.error, cause: run.result.cause }).toEqual({ status: "SUCCEEDED", error: undefined, cause: undefined });
      expect(run.result.children).toHaveLength(4);
      await expectInvariants(big, world, run, 100, true);
      // The fault did happen: a retry rode it out, or the heartbeat's direct check stood in for the event.
      if (kind === "eventLost") expect((await big.control.calls("DescribeDeployments", run.since)).filter(appliedCall).length).toBeGreaterThanOrEqual(1);
      else expect(run.result.retries).toBeGreaterThanOrEqual(1);
    } finally {
      await big.close();
    }
  });
});
