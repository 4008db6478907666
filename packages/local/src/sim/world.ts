/**
 * The simulator's core: state, simulated clock, pending transitions, event log,
 * faults and the zero-in-service detector. Transitions run in time order at their
 * exact simulated timestamps, lazily on every request and eagerly from a timer.
 */
import { SimClock } from "./clock.js";
import { defaultConfig } from "./config.js";
import { EventLog } from "./events.js";
import { FaultBook } from "./faults.js";
import { lbCounts } from "./lb.js";
import { HerokuRateLimiter } from "./rateLimit.js";
import { IdGen } from "./rng.js";
import { Scheduler } from "./scheduler.js";
import type { SimConfig, SimEvent } from "./schemas.js";
import { FleetState } from "./state.js";
import { targetGroupCounts } from "./targetGroups.js";
import { ViolationDetector } from "./violations.js";

export interface WorldOptions {
  timeScale: number;
  seed: number;
  herokuToken: string;
}

export interface TransitionInfo {
  service: SimEvent["service"];
  action: string;
  params: unknown;
}

export type CallRecord = Omit<SimEvent, "seq" | "time" | "at" | "realAt" | "kind" | "inService">;

export class World {
  readonly clock: SimClock;
  readonly state = new FleetState();
  readonly events = new EventLog();
  readonly detector = new ViolationDetector();
  readonly faults: FaultBook;
  readonly ids: IdGen;
  readonly herokuToken: string;
  readonly rateLimiter = new HerokuRateLimiter();
  config: SimConfig;
  private scheduler = new Scheduler();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: WorldOptions) {
    this.clock = new SimClock(options.timeScale);
    this.config = defaultConfig(options.timeScale);
    this.faults = new FaultBook(options.seed);
    this.ids = new IdGen(options.seed);
    this.herokuToken = options.herokuToken;
  }

  /** Runs every transition due by now (in time order) and returns the current simulated time. */
  sync(): number {
    const now = this.clock.now();
    for (let p = this.scheduler.popDue(now); p !== undefined; p = this.scheduler.popDue(now)) p.run(p.at);
    this.arm();
    return now;
  }

  /** Schedules `apply` at simulated time `at`; when it reports a change, it is logged and checked. */
  schedule(at: number, info: TransitionInfo, apply: (at: number) => boolean): void {
    this.scheduler.add(at, (t) => {
      if (!apply(t)) return;
      this.log({ kind: "transition", ...info, outcome: "ok" }, t, `${info.action} ${JSON.stringify(info.params)}`);
    });
    this.arm();
  }

  /** Logs a call at simulated time `time` and checks the invariant right after it. */
  recordCall(call: CallRecord, time: number): SimEvent {
    return this.log({ kind: "call", ...call }, time, `${call.service} ${call.action}`);
  }

  private log(event: Omit<SimEvent, "seq" | "time" | "at" | "realAt" | "inService">, time: number, cause: string): SimEvent {
    const counts = new Map([...lbCounts(this), ...targetGroupCounts(this.state, time)]);
    const inService: Record<string, number> = {};
    for (const [name, c] of counts) inService[name] = c.inService;
    const at = this.clock.iso(time);
    const logged = this.events.append({ ...event, time, at, realAt: new Date().toISOString(), inService });
    this.detector.check(time, at, logged.seq, cause, counts);
    return logged;
  }

  /** Re-baselines the detector after out-of-band changes (seeding). */
  rebaseline(): void {
    this.detector.baseline(new Map([...lbCounts(this), ...targetGroupCounts(this.state, this.clock.now())]));
  }

  setTimeScale(timeScale: number): void {
    this.sync();
    this.clock.setTimeScale(timeScale);
    this.config = { ...this.config, timeScale };
    this.arm();
  }

  advance(seconds: number): number {
    this.sync();
    this.clock.advance(seconds);
    return this.sync();
  }

  get pendingTransitions(): number {
    return this.scheduler.size;
  }

  reset(): void {
    this.scheduler.clear();
    this.state.clear();
    this.events.clear();
    this.detector.clear();
    this.faults.clear();
    this.rateLimiter.clear();
    this.config = defaultConfig(this.clock.timeScale);
    this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get seed(): number {
    return this.options.seed;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.scheduler.nextAt();
    if (this.closed || next === undefined) return;
    const delay = this.clock.realDelayUntil(next);
    if (!Number.isFinite(delay)) return;
    this.timer = setTimeout(() => this.sync(), Math.min(Math.ceil(delay), 2_147_483_647));
    this.timer.unref();
  }
}
