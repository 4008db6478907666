/**
 * SSM status-change events delivered as EventBridge delivers them: at least once, each
 * copy after a random delay on the simulated clock (so possibly late and out of order),
 * and sometimes twice (same event id). Subscribers attach in-process; each delivery is also
 * a logged transition carrying the whole event (`ssm` / `EventDelivered`), which the local
 * world's EventBridge stand-in reads from the event log, as it does OpsWorks' events. A fault
 * on the action `ssm:CommandInvocationStatusChangeEvent` with `drop: true` loses a copy
 * (logged as `EventDropped`, handed to nobody), as a missed event would be.
 */
import type { EventBridgeEvent } from "aws-lambda";
import { mulberry32, type Rng } from "./rng.js";
import type { World } from "./world.js";

export interface SsmStatusDetail {
  "command-id": string;
  "document-name": string;
  "instance-id": string;
  "requested-date-time": string;
  status: string;
}

/** The EventBridge envelope a rule's Lambda target receives (so a handler typed for Lambda takes it as is). */
export type SsmStatusEvent = EventBridgeEvent<"EC2 Command Invocation Status-change Notification", SsmStatusDetail>;

export type SsmEventHandler = (event: SsmStatusEvent) => void | Promise<void>;

interface Bus {
  handlers: Set<SsmEventHandler>;
  rng: Rng;
}

const buses = new WeakMap<World, Bus>();

/** The fault action that drops a delivery, and the logged action of one that is delivered. */
export const ssmEventFault = "ssm:CommandInvocationStatusChangeEvent";
export const ssmEventDelivered = "EventDelivered";

function bus(world: World): Bus {
  let b = buses.get(world);
  if (b === undefined) {
    b = { handlers: new Set(), rng: mulberry32(world.seed * 31 + 17) };
    buses.set(world, b);
  }
  return b;
}

/** Attaches a handler; returns a function that detaches it. */
export function subscribeSsmEvents(world: World, handler: SsmEventHandler): () => void {
  const b = bus(world);
  b.handlers.add(handler);
  return () => b.handlers.delete(handler);
}

/** Publishes one status change; each delivery is a logged transition. */
export function publishSsmEvent(world: World, now: number, event: SsmStatusEvent): void {
  const b = bus(world);
  const { ssmEventMaxDelaySeconds: maxDelay, ssmEventDuplicateProbability: dup } = world.config;
  const copies = b.rng() < dup ? 2 : 1;
  for (let copy = 1; copy <= copies; copy++) {
    const at = now + b.rng() * maxDelay;
    const dropped = world.faults.match([ssmEventFault])?.drop === true;
    const params = { id: event.id, instanceId: event.detail["instance-id"], status: event.detail.status, copy, event };
    const info = { service: "ssm" as const, action: dropped ? "EventDropped" : ssmEventDelivered, params };
    world.schedule(at, info, () => {
      if (dropped) return true;
      for (const handler of b.handlers) {
        try {
          void Promise.resolve(handler(event)).catch(() => undefined);
        } catch {
          // a subscriber's failure is its own; delivery goes on
        }
      }
      return true;
    });
  }
}
