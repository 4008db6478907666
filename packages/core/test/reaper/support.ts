import type { Clock } from "../../src/clock.js";
import type { AppPlatform, DeleteOutcome, PlatformApp, PlatformUsage } from "../../src/ports/index.js";
import type { FleetSimulator, SimEvent } from "../../../local/src/sim/index.js";

export const minute = 60_000;

/** A clock moved by hand; its sleep moves it, so a throttle sequence runs in no real time. */
export class ManualClock implements Clock {
  readonly slept: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  readonly sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.t += ms;
  };
}

/** An in-memory platform for unit tests of the pass (the adapter itself is tested against the simulator). */
export class MemoryPlatform implements AppPlatform {
  readonly name = "memory";
  readonly apps = new Map<string, PlatformApp>();
  readonly deleteCalls: string[] = [];
  /** Scripted answers for the next delete of an id (an Error is thrown). */
  readonly script = new Map<string, DeleteOutcome | Error>();
  private calls = 0;

  constructor(apps: PlatformApp[] = []) {
    for (const a of apps) this.apps.set(a.id, a);
  }

  async listApps(): Promise<PlatformApp[]> {
    this.calls += 1;
    return [...this.apps.values()];
  }

  async deleteApp(target: PlatformApp): Promise<DeleteOutcome> {
    this.calls += 1;
    this.deleteCalls.push(target.name);
    const scripted = this.script.get(target.id);
    if (scripted) {
      this.script.delete(target.id);
      if (scripted instanceof Error) throw scripted;
      this.apps.delete(target.id);
      return scripted;
    }
    if (!this.apps.delete(target.id)) return { kind: "gone", status: 404, detail: "Couldn't find that app.", afterLostAnswer: false };
    return { kind: "deleted" };
  }

  usage(): PlatformUsage {
    return { calls: this.calls, throttled: 0, retries: 0, reserveWaitMs: 0 };
  }
}

export function app(name: string, ageMinutes: number, now: number, extra: Partial<PlatformApp> = {}): PlatformApp {
  return { id: `id-${name}`, name, createdAt: now - ageMinutes * minute, finished: false, ...extra };
}

/** Hatchet-style names: the default namespace is `^hatchet-t-[a-f0-9]+$`. */
export const ns = (n: number) => `hatchet-t-${n.toString(16).padStart(6, "0")}`;

export interface SeedApp {
  readonly name: string;
  readonly ageMinutes: number;
  readonly maintenance?: boolean;
}

/** Seeds Heroku apps whose created_at is `ageMinutes` before `now`; returns name → id. */
export async function seedApps(sim: FleetSimulator, now: number, apps: readonly SeedApp[]): Promise<Map<string, string>> {
  const out = await sim.control.seed({
    herokuApps: apps.map((a) => ({
      name: a.name,
      created_at: new Date(now - a.ageMinutes * minute).toISOString(),
      ...(a.maintenance ? { maintenance: true } : {}),
    })),
  });
  return new Map(out.herokuApps.map((h) => [h.name, h.id]));
}

export async function herokuNames(sim: FleetSimulator): Promise<string[]> {
  return (await sim.control.state()).herokuApps.map((a) => String(a.name)).sort();
}

/** DELETE calls in the simulator's log, with the id each one targeted. */
export function deleteCalls(events: readonly SimEvent[]): { id: string; status?: number; outcome: string }[] {
  return events
    .filter((e) => e.kind === "call" && e.service === "heroku" && e.action === "DELETE /apps")
    .map((e) => {
      const path = (e.params as { path?: string }).path ?? "";
      return { id: decodeURIComponent(path.replace(/^\/apps\//, "")), status: e.status, outcome: e.outcome };
    });
}

export function herokuCalls(events: readonly SimEvent[]): SimEvent[] {
  return events.filter((e) => e.kind === "call" && e.service === "heroku");
}
