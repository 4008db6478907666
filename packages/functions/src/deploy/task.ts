import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { lockedTaskInput, rolloutTaskInput, type Rollout } from "@scythe/core/deploy";
import { DeploySession, type DeployServices } from "@scythe/core/deploy";
import { deployDoneMetric, deployPlannedMetric } from "@scythe/core/operations";
import { lambda } from "../shared/lambda.js";
import { metrics } from "../shared/observability.js";

export type Services = () => DeployServices;

const isRollout = (value: unknown): value is Rollout =>
  typeof value === "object" && value !== null && typeof (value as Rollout).batchCount === "number" && typeof (value as Rollout).index === "number";

/** A task that moves the rollout on: `{ config, lock, rollout }` in, the next `rollout` out. */
export function rolloutTask<R>(job: string, step: (session: DeploySession, rollout: Rollout) => Promise<R>) {
  return (services: Services) =>
    lambda({
      job: `deploy.${job}`,
      schema: rolloutTaskInput,
      fn: async (input) => {
        const next = await step(new DeploySession(services(), input.config, input.lock), input.rollout);
        // A batch finished when the cursor moved past it (its members: the batch's decisions): the dashboard's deploy progress.
        if (isRollout(next) && next.index > input.rollout.index) {
          metrics.addMetric(deployDoneMetric, MetricUnit.Count, input.rollout.current?.decisions.length ?? 0);
        }
        return next;
      },
    });
}

/** A task that runs under the lock before there is a rollout: `{ config, lock }` in. */
export function lockedTask<R>(job: string, step: (session: DeploySession) => Promise<R>) {
  return (services: Services) =>
    lambda({
      job: `deploy.${job}`,
      schema: lockedTaskInput,
      fn: async (input) => {
        const result = await step(new DeploySession(services(), input.config, input.lock));
        if (isRollout(result)) metrics.addMetric(deployPlannedMetric, MetricUnit.Count, result.instanceCount);
        return result;
      },
    });
}
