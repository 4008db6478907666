import { DeploySession, lockedTaskInput, rolloutTaskInput, type DeployServices, type Rollout } from "@scythe/core";
import { lambda } from "../shared/lambda.js";

export type Services = () => DeployServices;

/** A task that moves the rollout on: `{ config, lock, rollout }` in, the next `rollout` out. */
export function rolloutTask<R>(job: string, step: (session: DeploySession, rollout: Rollout) => Promise<R>) {
  return (services: Services) =>
    lambda({
      job: `deploy.${job}`,
      schema: rolloutTaskInput,
      fn: (input) => step(new DeploySession(services(), input.config, input.lock), input.rollout),
    });
}

/** A task that runs under the lock before there is a rollout: `{ config, lock }` in. */
export function lockedTask<R>(job: string, step: (session: DeploySession) => Promise<R>) {
  return (services: Services) =>
    lambda({
      job: `deploy.${job}`,
      schema: lockedTaskInput,
      fn: (input) => step(new DeploySession(services(), input.config, input.lock)),
    });
}
