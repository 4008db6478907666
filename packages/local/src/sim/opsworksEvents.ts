/**
 * OpsWorks "Deployment State Change" events, delivered as EventBridge delivers them: at
 * least once, each copy after a random delay on the simulated clock (so possibly late),
 * sometimes twice (the same event id). Each delivery is a logged transition carrying the
 * whole event, which the local world's EventBridge stand-in reads from the event log and
 * hands to the rule's function. A fault on the action `opsworks:DeploymentStateChangeEvent`
 * with `drop: true` loses a copy (logged as DeploymentEventDropped), as a missed event would be.
 */
import type { EventBridgeEvent } from "aws-lambda";
import { mulberry32, type Rng } from "./rng.js";
import type { OpsDeployment } from "./state.js";
import type { World } from "./world.js";

export interface OpsWorksDeploymentDetail {
  "deployment-id": string;
  "stack-id": string;
  command: string;
  status: string;
  "instance-ids": string[];
  duration?: number;
}

export type OpsWorksDeploymentEvent = EventBridgeEvent<"OpsWorks Deployment State Change", OpsWorksDeploymentDetail>;

/** The fault action that drops a delivery. */
export const deploymentEventFault = "opsworks:DeploymentStateChangeEvent";
export const deploymentEventDelivered = "DeploymentEventDelivered";

const rngs = new WeakMap<World, Rng>();

function rng(world: World): Rng {
  let r = rngs.get(world);
  if (r === undefined) {
    r = mulberry32(world.seed * 47 + 3);
    rngs.set(world, r);
  }
  return r;
}

/** Publishes a deployment's final state change at simulated time `now`. */
export function publishDeploymentEvent(world: World, now: number, deployment: OpsDeployment): void {
  const r = rng(world);
  const event: OpsWorksDeploymentEvent = {
    version: "0",
    id: world.ids.uuid(),
    "detail-type": "OpsWorks Deployment State Change",
    source: "aws.opsworks",
    account: "123456789012",
    time: world.clock.iso(now),
    region: "us-east-1",
    resources: [],
    detail: {
      "deployment-id": deployment.DeploymentId,
      "stack-id": deployment.StackId,
      command: deployment.Command.Name,
      status: deployment.Status,
      "instance-ids": [...deployment.InstanceIds],
      ...(deployment.Duration !== undefined ? { duration: deployment.Duration } : {}),
    },
  };
  const { opsworksEventMaxDelaySeconds: maxDelay, opsworksEventDuplicateProbability: dup } = world.config;
  const copies = r() < dup ? 2 : 1;
  for (let copy = 1; copy <= copies; copy++) {
    const at = now + r() * maxDelay;
    const dropped = world.faults.match([deploymentEventFault])?.drop === true;
    const action = dropped ? "DeploymentEventDropped" : deploymentEventDelivered;
    world.schedule(at, { service: "opsworks", action, params: { copy, event } }, () => true);
  }
}
