import { DeploymentFailedError, DeploymentTimeoutError } from "../errors.js";
import type { Rollout } from "../state.js";
import { markBatch } from "./batchRecords.js";
import type { DeploySession } from "./session.js";

/** The comment that names a batch's deployment, so a retry whose answer was lost can find it. */
export function deploymentComment(comment: string | undefined, executionId: string, batch: number): string {
  const name = executionId.split(":").pop() ?? executionId;
  return `${comment ?? "Scythe rolling deploy"} [scythe ${name} batch ${batch + 1}]`;
}

/**
 * Starts one deployment for the batch. The intent is recorded first; a retry that finds
 * it without a deployment id looks the deployment up by its comment before creating
 * one, so a lost answer never becomes a second deployment.
 */
export async function deployBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const { config, services } = session;
  await session.heartbeat();
  await session.ensureRunning();
  const current = rollout.current;
  if (!current) throw new RangeError("no batch to deploy");
  const ids = new Set(current.decisions.map((d) => d.instanceId));
  const records = (await services.journal.instances(config.executionId)).filter((r) => ids.has(r.instanceId));
  const comment = deploymentComment(config.comment, config.executionId, rollout.index);
  let deploymentId = records.find((r) => r.deploymentId !== undefined)?.deploymentId;
  if (deploymentId === undefined && records.some((r) => r.phase === "deploying")) {
    deploymentId = (await services.target.findDeployments(config.appId, comment))[0]?.deploymentId;
  }
  if (deploymentId === undefined) {
    await markBatch(session, current.decisions, { phase: "deploying" }, ["draining"]);
    deploymentId = await services.target.startDeployment({
      stackId: config.stackId,
      appId: config.appId,
      instanceIds: current.decisions.map((d) => d.instanceId),
      migrate: config.migrate,
      comment,
    });
  }
  await markBatch(session, current.decisions, { phase: "deploying", deploymentId, deploymentStatus: "running", time: "deployStartedAt" });
  const deadline = session.now() + config.deployTimeoutSeconds * 1000;
  return { ...rollout, current: { ...current, phase: "deploying", ready: false, deadline, deploymentId } };
}

/** Polls the deployment: ready when successful; a failure or the deadline stops the rollout. */
export async function checkDeployment(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  await session.heartbeat();
  const current = rollout.current;
  if (!current?.deploymentId) throw new RangeError("no deployment to check");
  const deployment = await session.services.target.getDeployment(current.deploymentId);
  if (deployment.status === "failed") {
    await markBatch(session, current.decisions, { phase: "failed", deploymentStatus: "failed", time: "deployedAt" });
    throw new DeploymentFailedError(current.deploymentId, deployment.status, current.decisions.map((d) => d.instanceId));
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
