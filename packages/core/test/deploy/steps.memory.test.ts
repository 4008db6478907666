import { describe, expect, it } from "vitest";
import { DeployEndedError, DeploySession, DeploymentPendingError, acquireDeployLock, attachBatch, cleanUpDeploy, deployBatch, deployConfig, finishRollout, type DeployServices, type DeployTarget, type Deployment, type DeploymentRequest, type DetachDecision, type Rollout } from "../../src/deploy/index.js";
import { LockService, StaleTokenError } from "../../src/lock/index.js";
import { MemoryDeployJournal } from "../support/MemoryDeployJournal.js";
import { MemoryLockStore } from "../support/MemoryLockStore.js";

/** Step tests: the deploy steps over the in-memory journal and lock store, a fake fleet, a clock the test moves. */
function world() {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const clock = { now: () => now };
  const started: DeploymentRequest[] = [];
  const deployments: Deployment[] = [];
  const target: Pick<DeployTarget, "startDeployment" | "findDeployments" | "getDeployment"> = {
    startDeployment: async (request) => {
      started.push(request);
      const deploymentId = `d-${started.length}`;
      deployments.push({ deploymentId, status: "running", comment: request.comment } as Deployment);
      return deploymentId;
    },
    findDeployments: async (_appId, comment) => deployments.filter((d) => (d as { comment?: string }).comment === comment),
    getDeployment: async (id) => deployments.find((d) => d.deploymentId === id) ?? ({ deploymentId: id, status: "failed" } as Deployment),
  };
  const journal = new MemoryDeployJournal(clock.now);
  const lockStore = new MemoryLockStore();
  const services = { target, journal, lockStore, clock, loadBalancers: { attach: async () => undefined }, claims: {} } as unknown as DeployServices;
  const config = deployConfig({ stackId: "s-1", layerId: "l-1", appId: "a-1" }, "exec-1", now);
  return { services, journal, lockStore, config, started, advance: (ms: number) => (now += ms) };
}

const decision = (instanceId: string): DetachDecision => ({ instanceId, hostname: instanceId, endpointId: `ec2-${instanceId}`, detachFrom: [], keptIn: [] }) as unknown as DetachDecision;

async function rolloutAtDeploy(w: ReturnType<typeof world>) {
  const lock = await acquireDeployLock(w.services, w.config);
  const session = new DeploySession(w.services, w.config, lock);
  const decisions = [decision("i-1"), decision("i-2")];
  await w.journal.addInstances(decisions.map((d, i) => ({ executionId: w.config.executionId, instanceId: d.instanceId, hostname: `web${i}`, batch: 0, phase: "draining" as const })), session.fence);
  w.journal.commitPlan(w.journal.planItem(w.config.executionId, 0, decisions));
  const rollout = { batchCount: 1, instanceCount: decisions.length, skippedCount: 0, index: 0, done: false, current: { phase: "draining", ready: true, deadline: 0, decisions } } as unknown as Rollout;
  return { lock, session, rollout };
}

describe("Step: acquireDeployLock", () => {
  it("records the start under the lock's token", async () => {
    const w = world();
    const lock = await acquireDeployLock(w.services, w.config);
    expect(lock).toMatchObject({ acquired: true, token: 1 });
    expect(await w.journal.summary("exec-1")).toMatchObject({ status: "running", token: 1, lockName: "deploy/stack/s-1" });
  });

  it("refuses a late redelivery for a deploy that already ended, and does not leave the lock held by it", async () => {
    const w = world();
    const lock = await acquireDeployLock(w.services, w.config);
    const session = new DeploySession(w.services, w.config, lock);
    await cleanUpDeploy(w.services, { executionId: "exec-1", outcome: "aborted" });
    expect((await new LockService({ store: w.lockStore, clock: w.services.clock }).status("deploy/stack/s-1")).held).toBe(false);

    const error = await acquireDeployLock(w.services, w.config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployEndedError);
    // Another deploy of the stack must not wait out the lease of an execution that is over.
    expect((await new LockService({ store: w.lockStore, clock: w.services.clock }).status("deploy/stack/s-1")).held).toBe(false);
    expect((await w.journal.summary("exec-1"))?.status).toBe("aborted");
    expect(session.fence.token).toBe(1);
  });
});

describe("Step: deployBatch", () => {
  it("starts one deployment for two deliveries of the same task; the second waits for it", async () => {
    const w = world();
    const { session, rollout } = await rolloutAtDeploy(w);
    const [first, second] = await Promise.allSettled([deployBatch(session, rollout), deployBatch(session, rollout)]);
    expect(w.started).toHaveLength(1);
    // The loser either found the winner's deployment already or was told to wait (retried by the state machine).
    const outcomes = [first, second].map((o) => (o.status === "fulfilled" ? o.value.current?.deploymentId : (o.reason as Error).name));
    expect(outcomes).toContain("d-1");
    for (const o of outcomes) expect(["d-1", "DeploymentPendingError"]).toContain(o);
    // The retry of the waiting delivery finds the winner's deployment in the journal.
    const retried = await deployBatch(session, rollout);
    expect(retried.current?.deploymentId).toBe("d-1");
    expect(w.started).toHaveLength(1);
  });

  it("after a crash between the intent and the deployment, a retry past the intent's life starts the one deployment", async () => {
    const w = world();
    const { session, rollout } = await rolloutAtDeploy(w);
    expect(await w.journal.claimDeployIntent("exec-1", 0, w.services.clock!.now(), 0, session.fence)).toBe("fresh");
    await expect(deployBatch(session, rollout)).rejects.toBeInstanceOf(DeploymentPendingError);
    w.advance(91_000);
    const lock = await acquireDeployLock(w.services, w.config);
    const resumed = await deployBatch(new DeploySession(w.services, w.config, lock), rollout);
    expect(resumed.current?.deploymentId).toBe("d-1");
    expect(w.started).toHaveLength(1);
    expect((await w.journal.instances("exec-1")).map((i) => i.phase)).toEqual(["deploying", "deploying"]);
  });
});

describe("Steps: reads per batch", () => {
  it("Deploy and Attach read the batch's own instance records, not the whole layer's (a rollout's reads would grow with the square of the layer)", async () => {
    const w = world();
    const { session, rollout } = await rolloutAtDeploy(w);
    // The rest of a large layer, already recorded by Prepare.
    await w.journal.addInstances(
      Array.from({ length: 200 }, (_, i) => ({ executionId: w.config.executionId, instanceId: `i-other-${i}`, hostname: `other${i}`, batch: i + 1, phase: "pending" as const })),
      session.fence,
    );
    w.journal.recordsRead = 0;
    const deployed = await deployBatch(session, rollout);
    expect(w.journal.recordsRead).toBeLessThanOrEqual(2);
    w.journal.recordsRead = 0;
    await attachBatch(session, deployed);
    expect(w.journal.recordsRead).toBeLessThanOrEqual(2);
    expect((await w.journal.instancesOf("exec-1", ["i-1", "i-2", "i-missing"])).map((r) => [r.instanceId, r.phase])).toEqual([
      ["i-1", "attaching"],
      ["i-2", "attaching"],
    ]);
  });
});

describe("Step: finishRollout", () => {
  it("cannot mark succeeded a deploy whose lock a later holder has written under", async () => {
    const w = world();
    const { session, rollout } = await rolloutAtDeploy(w);
    await w.journal.updateSummary("exec-1", { completedBatches: 1 }, { lock: session.fence.lock, token: session.fence.token + 1 });
    await expect(finishRollout(session, { ...rollout, done: true })).rejects.toBeInstanceOf(StaleTokenError);
    expect((await w.journal.summary("exec-1"))?.status).toBe("running");
  });
});
