import { systemClock, type Clock } from "../clock.js";
import { sleep as realSleep } from "../lock/sleep.js";
import type { AppPlatform } from "../ports/AppPlatform.js";
import { parseReapInput, type ReapSettings } from "./inputs.js";
import { ReapPass, type PassControl, type ReaperEvent, type Sleep } from "./ReapPass.js";
import { reportedSettings, type ReapReport } from "./report.js";

export interface ReaperDeps {
  readonly platform: AppPlatform;
  readonly clock?: Clock;
  /** How the pass waits (the throttle); a port so tests can move a fake clock instead. */
  readonly sleep?: Sleep;
  readonly onEvent?: (event: ReaperEvent) => void;
}

/**
 * Hatchet's reaper over an AppPlatform: deletes namespace apps older than the TTL, oldest
 * first, and keeps their number under a limit. Every pass returns a report; one failed
 * delete is recorded and the pass goes on.
 */
export class Reaper {
  private readonly deps: Required<ReaperDeps>;

  constructor(deps: ReaperDeps) {
    this.deps = { clock: systemClock, sleep: realSleep, onEvent: () => undefined, ...deps };
  }

  get platformName(): string {
    return this.deps.platform.name;
  }

  /** Validates `input` (ValidationError naming the field, before any call), then runs one pass. */
  async pass(input: unknown, control: PassControl = {}): Promise<ReapReport> {
    return this.run(parseReapInput(input), control);
  }

  /** Runs one pass with settings already validated by parseReapInput. */
  run(settings: ReapSettings, control: PassControl = {}): Promise<ReapReport> {
    return new ReapPass(this.deps, settings, control).run();
  }

  /** The report of a pass that did not run (e.g. another reaper held the lock). */
  emptyReport(settings: ReapSettings): ReapReport {
    return {
      ...reportedSettings(this.deps.platform.name, settings),
      startedAt: new Date(this.deps.clock.now()).toISOString(),
      durationMs: 0,
      seen: 0,
      matched: 0,
      deleted: [],
      left: [],
      conflicts: [],
      errors: [],
      waits: [],
      remaining: 0,
      underLimit: true,
      refreshes: 0,
      apiCalls: 0,
      throttled: 0,
      retries: 0,
      reserveWaitMs: 0,
      complete: false,
    };
  }
}
