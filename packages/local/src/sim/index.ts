/**
 * Fleet simulator: one local HTTP server that the unmodified AWS SDK v3 clients
 * (OpsWorks, Classic ELB) and a fetch-based Heroku client talk to, with simulated
 * time, fault injection, an event log and a zero-in-service detector.
 */
import { SimControl } from "./control.js";
import { closeServer, createSimServer, listen } from "./server.js";
import { subscribeSsmEvents, type SsmEventHandler } from "./ssmEvents.js";
import { World } from "./world.js";

export { SimControl } from "./control.js";
export type { StateSnapshot, LoadBalancerSnapshot, TargetGroupSnapshot } from "./snapshot.js";
export type { FaultView } from "./faults.js";
export { SimControlError } from "./control.js";
export type { SsmEventHandler, SsmStatusDetail, SsmStatusEvent } from "./ssmEvents.js";
export type {
  ClockInfo,
  ConfigPatch,
  FaultSpec,
  InstanceHealthView,
  Outcome,
  SeedInput,
  SeedResult,
  SimConfig,
  SimEvent,
  Violation,
} from "./schemas.js";

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Real milliseconds per simulated second; default 1 (a 300 s drain lasts 300 ms). 0 freezes the clock. */
  timeScale?: number;
  /** Bearer token the Heroku API accepts; default "sim-token". */
  herokuToken?: string;
  /** Seed for generated ids and for faults without their own seed; default 1. */
  seed?: number;
}

export interface FleetSimulator {
  /** e.g. http://127.0.0.1:PORT — for OpsWorks, ELB and (with /heroku) Heroku alike. */
  endpoint: string;
  control: SimControl;
  /** Attaches a handler for SSM "EC2 Command Invocation Status-change Notification" events (EventBridge-style delivery); returns a detach function. */
  onSsmEvent(handler: SsmEventHandler): () => void;
  close(): Promise<void>;
}

export async function startFleetSimulator(opts: SimulatorOptions = {}): Promise<FleetSimulator> {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale >= 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a finite number >= 0, got ${timeScale}`);
  const world = new World({ timeScale, seed: opts.seed ?? 1, herokuToken: opts.herokuToken ?? "sim-token" });
  const server = createSimServer(world);
  const host = opts.host ?? "127.0.0.1";
  const address = await listen(server, opts.port ?? 0, host);
  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    control: new SimControl(endpoint),
    onSsmEvent: (handler) => subscribeSsmEvents(world, handler),
    close: () => {
      closing ??= (async () => {
        world.close();
        await closeServer(server);
      })();
      return closing;
    },
  };
}
