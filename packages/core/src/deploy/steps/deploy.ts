import { DeploymentFailedError, DeploymentPendingError, DeploymentTimeoutError, deployIntentMs } from "../errors.js";
import type { Rollout } from "../state.js";
import { byLoadBalancer, markBatch } from "./batchRecords.js";
import type { DeploySession } from "./session.js";
import { awaitOutcome, awaitParts, commandWaitKey, deploymentWaitKey } from "../taskWaits.js";

/** A batch that left some load balancer has drained by the time it is deployed. */
const drained = (decisions: Parameters<typeof byLoadBalancer>[0]) => byLoadBalancer(decisions).size > 0;

/** The comment that names a batch's deployment, so a retry whose answer was lost can find it. */
export function deploymentComment(comment: string | undefined, executionId: string, batch: number): string {
  const name = executionId.split(":").pop() ?? executionId;
  return `${comment ?? "Scythe rolling deploy"} [scythe ${name} batch ${batch + 1}]`;
}

/**
 * Starts one deployment for the batch. The intent is recorded first, by one conditional
 * write that only one delivery of this task wins; a second delivery waits (retried) for
 * the winner's deployment id. A retry after a crash takes the stale intent over and looks
 * the deployment up by its comment before creating one, so neither a lost answer nor a
 * double delivery becomes a second deployment.
 */
export async function deployBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const { config, services } = session;
  const current = rollout.current;
  if (!current) throw new RangeError("no batch to deploy");
  // At once, before a deployment is created: the check-in, the batch's records (a retry finds
  // its deployment there) and the intent to create one (a marker: nothing is created until
  // every one of these has answered). A lost lock or a stopped deploy is reported first.
  const now = session.now();
  const [checked, read, intended] = await Promise.allSettled([
    session.checkIn(),
    services.journal.instancesOf(config.executionId, current.decisions.map((d) => d.instanceId)),
    services.journal.claimDeployIntent(config.executionId, rollout.index, now, now - deployIntentMs, session.fence),
  ]);
  if (checked.status === "rejected") throw checked.reason;
  if (read.status === "rejected") throw read.reason;
  if (intended.status === "rejected") throw intended.reason;
  const records = read.value;
  const comment = deploymentComment(config.comment, config.executionId, rollout.index);
  let deploymentId = records.find((r) => r.deploymentId !== undefined)?.deploymentId;
  if (deploymentId === undefined) {
    const intent = intended.value;
    // Another delivery holds the intent; its deployment may exist already (its answer lost).
    if (intent !== "fresh") deploymentId = (await services.target.findDeployments(config.appId, comment))[0]?.deploymentId;
    if (deploymentId === undefined && intent === "held") {
      throw new DeploymentPendingError(`batch ${rollout.index + 1}: another delivery of this task is creating its deployment`);
    }
    // The records say deploying once the deployment's id is known (below); a cleanup puts a
    // draining instance back as it does a deploying one.
    deploymentId ??= await services.target.startDeployment({
      stackId: config.stackId,
      appId: config.appId,
      instanceIds: current.decisions.map((d) => d.instanceId),
      migrate: config.migrate,
      comment,
    });
  }
  // Only from these phases: a late duplicate must not move a finished instance back.
  // drainedAt too, which CheckDrained leaves to this write (a retry keeps the first).
  await markBatch(session, current.decisions, { phase: "deploying", deploymentId, deploymentStatus: "running", time: "deployStartedAt", ...(drained(current.decisions) && { timeIfAbsent: "drainedAt" }) }, ["draining", "deploying"]);
  const deadline = session.now() + config.deployTimeoutSeconds * 1000;
  return { ...rollout, current: { ...current, phase: "deploying", ready: false, deadline, deploymentId } };
}

/** Polls the deployment: ready when successful; a failure or the deadline stops the rollout. */
export async function checkDeployment(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  await session.heartbeat();
  const current = rollout.current;
  if (!current?.deploymentId) throw new RangeError("no deployment to check");
  const batch = current.decisions.map((d) => d.instanceId);
  const deployment = await session.services.target.getDeployment(current.deploymentId, batch);
  if (deployment.status === "failed") {
    await markBatch(session, current.decisions, { phase: "failed", deploymentStatus: "failed", time: "deployedAt" });
    // SSM says which instances failed (the first failure ends the wait): those are named, not the whole batch.
    throw new DeploymentFailedError(current.deploymentId, deployment.status, batch, deployment.failures);
  }
  if (deployment.status === "running") {
    if (session.now() > current.deadline) {
      await markBatch(session, current.decisions, { phase: "failed", deploymentStatus: "timed out" });
      throw new DeploymentTimeoutError(current.deploymentId, deployment.status, session.config.deployTimeoutSeconds);
    }
    return { ...rollout, current: { ...current, ready: false } };
  }
  await markBatch(session, current.decisions, { phase: "deployed", deploymentStatus: deployment.status, time: "deployedAt" }, ["deploying"]);
  return { ...rollout, current: { ...current, ready: true } };
}

/**
 * The Lambda of the `.waitForTaskToken` task that waits for the batch's deployment: records
 * the task token under the deployment's id, where the deployment-event function finds it.
 * If the event came first, its outcome is already recorded and the task is completed here.
 * It renews the lease first: nothing else runs while the execution waits.
 */
export async function awaitDeployment(session: DeploySession, rollout: Rollout, taskToken: string): Promise<{ readonly waiting: string; readonly result: string }> {
  await session.heartbeat();
  const deploymentId = rollout.current?.deploymentId;
  if (!deploymentId) throw new RangeError("no deployment to wait for");
  const { waits, callbacks } = session.services;
  if (session.config.ec2) {
    // An SSM command: one status event per instance; the wait ends when all have ended, or at the first failure.
    const key = commandWaitKey(deploymentId);
    const instanceIds = rollout.current?.decisions.map((d) => d.instanceId) ?? [];
    return { waiting: key, result: await awaitParts(waits, callbacks, key, taskToken, session.config.executionId, instanceIds) };
  }
  const key = deploymentWaitKey(deploymentId);
  const result = await awaitOutcome(waits, callbacks, key, taskToken, session.config.executionId);
  return { waiting: key, result };
}
