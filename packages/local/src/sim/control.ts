/**
 * Typed fetch client of the simulator's control API (`/_sim/`), usable from any
 * process that knows the endpoint: `new SimControl("http://127.0.0.1:PORT")`.
 */
import type { FaultView } from "./faults.js";
import type { ClockInfo, ConfigPatch, FaultSpec, SeedInput, SeedResult, SimConfig, SimEvent, Violation } from "./schemas.js";
import type { StateSnapshot } from "./snapshot.js";

export class SimControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SimControlError";
  }
}

export class SimControl {
  private readonly base: string;

  constructor(endpoint: string) {
    this.base = endpoint.replace(/\/+$/, "");
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetch(`${this.base}/_sim/${path}`, init);
    if (!res.ok) throw new SimControlError(res.status, `${method} /_sim/${path} failed (${res.status}): ${await res.text()}`);
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    return (await res.json()) as T;
  }

  /** Adds entities; load balancer instances start InService. Returns the ids it generated. */
  seed(input: SeedInput): Promise<SeedResult> {
    return this.json("POST", "seed", input);
  }

  /** Clears state, events, violations, faults and config (the clock keeps running). */
  async reset(): Promise<void> {
    await this.call("POST", "reset", {});
  }

  state(): Promise<StateSnapshot> {
    return this.json("GET", "state");
  }

  config(patch?: ConfigPatch): Promise<SimConfig> {
    return patch === undefined ? this.json("GET", "config") : this.json("POST", "config", patch);
  }

  /** Makes target-group health checks of these EC2 instances fail (`healthy: false`) or pass again. */
  async setTargetHealth(instanceIds: string[], healthy: boolean): Promise<void> {
    await this.call("POST", "targets/health", { instanceIds, healthy });
  }

  /** The next `times` (default 1) SSM command invocations on each of these instances end Failed. */
  async failSsmInvocations(instanceIds: string[], times?: number): Promise<void> {
    await this.call("POST", "ssm/failures", { instanceIds, ...(times !== undefined ? { times } : {}) });
  }

  /** Injects one or more faults; returns their ids. */
  async addFaults(...specs: FaultSpec[]): Promise<number[]> {
    const out = await this.json<{ ids: number[] }>("POST", "faults", { faults: specs });
    return out.ids;
  }

  async faults(): Promise<FaultView[]> {
    return (await this.json<{ faults: FaultView[] }>("GET", "faults")).faults;
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }

  /** Events with seq greater than `since` (all by default). */
  async events(since?: number): Promise<SimEvent[]> {
    const res = await this.call("GET", since === undefined ? "events" : `events?since=${since}`);
    const text = await res.text();
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as SimEvent);
  }

  /** Seq of the newest event ever logged (seqs keep growing across resets); pass it to `events(since)`. */
  async lastSeq(): Promise<number> {
    return (await this.json<{ seq: number }>("GET", "events/last")).seq;
  }

  /** Call events for one action, e.g. `calls("DescribeLoadBalancers")`. */
  async calls(action: string, since?: number): Promise<SimEvent[]> {
    return (await this.events(since)).filter((e) => e.kind === "call" && e.action === action);
  }

  async violations(): Promise<Violation[]> {
    return (await this.json<{ violations: Violation[] }>("GET", "violations")).violations;
  }

  clock(): Promise<ClockInfo> {
    return this.json("GET", "clock");
  }

  /** Moves simulated time forward by hand (transitions due meanwhile run in order). */
  advance(seconds: number): Promise<ClockInfo> {
    return this.json("POST", "clock/advance", { seconds });
  }
}
