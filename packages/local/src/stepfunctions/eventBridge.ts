import { SimControl } from "../sim/control.js";
import { deploymentEventDelivered } from "../sim/opsworksEvents.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The local world's stand-in for the EventBridge rule on OpsWorks deployment state changes:
 * reads the deliveries the simulator logs (each copy it delivers, late or twice) and hands
 * every event to the rule's function. Works against a simulator in another process, as
 * `scythe deploy` does against `scythe dev`. A function that throws gets the event again
 * (EventBridge retries a failed asynchronous invocation), up to `attempts` times.
 */
export class LocalDeploymentEventRule {
  #since: number | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  /** Events handed to the function (each delivered copy counts). */
  delivered = 0;

  constructor(
    private readonly control: SimControl,
    private readonly target: (event: Json) => Promise<unknown>,
    private readonly options: {
      intervalMs?: number;
      attempts?: number;
      /** Other rules on the same bus: deliveries logged as `service` / `action` go to their `target` (SSM's command events). */
      also?: readonly { service: string; action: string; target: (event: Json) => Promise<unknown> }[];
    } = {},
  ) {}

  /** Starts from the simulator's newest event: deliveries logged from now on are handed over. */
  async start(): Promise<void> {
    this.#since = await this.control.lastSeq();
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const interval = this.options.intervalMs ?? 10;
    while (!this.#stopped) {
      await this.poll().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }

  /** Hands over every delivery logged since the last poll (in the order they were delivered). */
  async poll(): Promise<void> {
    const events = await this.control.events(this.#since);
    for (const e of events) {
      this.#since = Math.max(this.#since ?? 0, e.seq);
      const target =
        e.service === "opsworks" && e.action === deploymentEventDelivered ? this.target : this.options.also?.find((r) => r.service === e.service && r.action === e.action)?.target;
      if (target === undefined) continue;
      const event = (e.params as { event?: Json }).event;
      if (event === undefined) continue;
      this.delivered += 1;
      void this.#deliver(target, event);
    }
  }

  async #deliver(target: (event: Json) => Promise<unknown>, event: Json): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await target(event);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  /** Stops after one last poll, so deliveries logged before now are not left behind. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    await this.poll().catch(() => undefined);
    this.#stopped = true;
    await this.#loop;
  }
}
