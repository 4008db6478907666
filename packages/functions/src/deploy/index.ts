import type { DeployFunction } from "@scythe/core/deploy";
import { makeHandler as acquireLock } from "./acquireLock.js";
import { makeHandler as attach } from "./attach.js";
import { makeHandler as awaitDeployment } from "./awaitDeployment.js";
import { makeHandler as commandEvent } from "./commandEvent.js";
import { makeHandler as deploymentEvent } from "./deploymentEvent.js";
import { makeHandler as checkDeployment } from "./checkDeployment.js";
import { makeHandler as checkDrained } from "./checkDrained.js";
import { makeHandler as checkInService } from "./checkInService.js";
import { makeHandler as cleanup } from "./cleanup.js";
import { makeHandler as deploy } from "./deploy.js";
import { makeHandler as detach } from "./detach.js";
import { makeHandler as finish } from "./finish.js";
import { makeHandler as prepare } from "./prepare.js";
import { makeHandler as recover } from "./recover.js";
import type { Services } from "./task.js";
import { makeHandler as validate } from "./validate.js";

/** A deploy Lambda as its runtime calls it: the event and a context. */
export type DeployHandler = (event: never, context: import("aws-lambda").Context) => Promise<unknown>;

/** Every function of the state machine, built over the given services (the local runner's way in). */
export function deployHandlers(services: Services): Record<DeployFunction, DeployHandler> {
  return {
    validate: validate(services),
    acquireLock: acquireLock(services),
    prepare: prepare(services),
    detach: detach(services),
    checkDrained: checkDrained(services),
    deploy: deploy(services),
    awaitDeployment: awaitDeployment(services),
    checkDeployment: checkDeployment(services),
    attach: attach(services),
    checkInService: checkInService(services),
    finish: finish(services),
    recover: recover(services),
  };
}

/** The function the status-change rule invokes. */
export const cleanupHandler = (services: Services): DeployHandler => cleanup(services);

/** The function the OpsWorks deployment-event rule invokes. */
export const deploymentEventHandler = (services: Services): DeployHandler => deploymentEvent(() => services());

/** The function the SSM command-invocation event rule invokes. */
export const commandEventHandler = (services: Services): DeployHandler => commandEvent(() => services());
