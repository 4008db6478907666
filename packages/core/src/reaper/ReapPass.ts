import pLimit from "p-limit";
import type { Clock } from "../clock.js";
import { ScytheError } from "../errors.js";
import type { AppPlatform, PlatformApp, PlatformUsage } from "../ports/AppPlatform.js";
import { PlatformError } from "../ports/platformErrors.js";
import type { ReapSettings } from "./inputs.js";
import { reportedSettings, type DeleteReason, type LeftReason, type ReapConflict, type ReapedApp, type ReapError, type ReapReport, type ReapWait } from "./report.js";
import { ReaperThrottle } from "./ReaperThrottle.js";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Progress as it happens, for the CLI's stderr and the Lambda's log. */
export type ReaperEvent =
  | { readonly type: "listed"; readonly seen: number; readonly matched: number; readonly live: number; readonly listing: number }
  | { readonly type: "deleted"; readonly app: ReapedApp; readonly dryRun: boolean }
  | { readonly type: "conflict"; readonly conflict: ReapConflict }
  | { readonly type: "error"; readonly error: ReapError }
  | { readonly type: "waiting"; readonly wait: ReapWait };

export interface PassControl {
  /** Aborts when the pass must stop at once (its lock was lost, or the caller cancels). */
  readonly signal?: AbortSignal;
  /** Time left to run, e.g. Lambda's getRemainingTimeInMillis; unbounded when absent. */
  readonly remainingMs?: () => number;
  /** No delete or wait starts this close to the deadline (ms, default 5000). */
  readonly safetyMs?: number;
}

export interface PassDeps {
  readonly platform: AppPlatform;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly onEvent: (event: ReaperEvent) => void;
}

interface Target {
  readonly app: PlatformApp;
  readonly reason: DeleteReason;
}

type Reason = { readonly why: LeftReason; readonly detail: string };
type RoundEnd = "done" | "refresh" | "stop";

/** One reap pass: list, plan oldest first, delete with a cap on concurrency, wait when over the limit. */
export class ReapPass {
  private readonly startedAt: number;
  private readonly usageBefore: PlatformUsage;
  /** With the order each delete started in: they finish in any order, the report lists them as started. */
  private readonly deleted: { app: ReapedApp; started: number }[] = [];
  private started = 0;
  private readonly gone = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly reasons = new Map<string, Reason>();
  private readonly conflicts: ReapConflict[] = [];
  private readonly errors: ReapError[] = [];
  private readonly waits: ReapWait[] = [];
  /** Namespace apps still there by the last listing and what this pass did since: oldest first. */
  private live: PlatformApp[] = [];
  private seen = 0;
  private matched = 0;
  private listings = 0;
  private refreshes = 0;
  private waitedMs = 0;
  private stopped: Reason | undefined;
  private complete = true;
  private readonly safetyMs: number;
  private readonly signal: AbortSignal;
  private readonly deadline = new AbortController();
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: PassDeps,
    private readonly settings: ReapSettings,
    private readonly control: PassControl,
  ) {
    this.startedAt = deps.clock.now();
    this.usageBefore = deps.platform.usage();
    this.safetyMs = control.safetyMs ?? 5_000;
    this.signal = control.signal ? AbortSignal.any([control.signal, this.deadline.signal]) : this.deadline.signal;
  }

  async run(): Promise<ReapReport> {
    this.armDeadline();
    try {
      await this.loop();
    } finally {
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    }
    return this.report();
  }

  private async loop(): Promise<void> {
    const s = this.settings;
    const throttle = new ReaperThrottle(s.initialSleepMs);
    for (;;) {
      if (!(await this.list())) return;
      const end = await this.execute(this.plan());
      if (end === "stop") return;
      if (end === "refresh") {
        if (this.refreshes >= s.maxRefreshes) {
          this.halt("refresh-limit", `conflicts continued after ${this.refreshes} fresh listings`);
          return;
        }
        this.refreshes += 1;
        continue;
      }
      if (s.all || this.live.length < s.limit) return;
      // At or over the limit and every app old enough has been tried: wait for the oldest to age.
      const oldest = this.live.find((app) => !this.failed.has(app.id));
      if (!oldest) return;
      const capMs = Math.max(0, s.ttlMs - this.age(oldest));
      if (s.dryRun) {
        this.overLimit(`dry run: would wait up to ${capMs} ms for ${oldest.name} to reach the TTL`);
        return;
      }
      const ms = throttle.next(capMs);
      const allowed = Math.min(s.maxWaitMs - this.waitedMs, this.timeLeft() - this.safetyMs);
      if (ms > allowed) {
        this.overLimit(`${this.live.length} apps, limit ${s.limit}: ${oldest.name} reaches the TTL in ${capMs} ms, but this pass may wait only ${Math.max(0, allowed)} ms more`);
        return;
      }
      const wait: ReapWait = { ms, capMs, oldest: oldest.name };
      this.waits.push(wait);
      this.deps.onEvent({ type: "waiting", wait });
      await this.deps.sleep(ms, this.signal);
      this.waitedMs += ms;
      if (this.interrupted()) return;
    }
  }

  /** A fresh listing; a reaper that waited (for the lock or the throttle) never acts on an old one. */
  private async list(): Promise<boolean> {
    let apps: PlatformApp[];
    try {
      apps = await this.deps.platform.listApps({ signal: this.signal });
    } catch (error) {
      this.recordError("list", undefined, error);
      this.complete = false;
      return false;
    }
    const inNamespace = apps.filter((app) => this.settings.namespace.contains(app.name));
    if (this.listings === 0) {
      this.seen = apps.length;
      this.matched = inNamespace.length;
    }
    this.listings += 1;
    // Apps this pass deleted may still be listed while the platform tears them down.
    this.live = inNamespace.filter((app) => !this.gone.has(app.id)).sort(oldestFirst);
    this.deps.onEvent({ type: "listed", seen: apps.length, matched: inNamespace.length, live: this.live.length, listing: this.listings });
    return true;
  }

  /** Hatchet's order: oldest first while old enough, stop at the first too young; finished apps may go early when over the limit. */
  private plan(): Target[] {
    const s = this.settings;
    const usable = this.live.filter((app) => !this.failed.has(app.id));
    if (s.all) return usable.map((app) => ({ app, reason: "destroy-all" }));
    const targets: Target[] = [];
    for (const app of usable) {
      if (this.age(app) < s.ttlMs) break;
      targets.push({ app, reason: "older-than-ttl" });
    }
    let excess = this.live.length - targets.length - s.limit + 1;
    for (const app of usable.slice(targets.length)) {
      if (excess <= 0) break;
      if (!app.finished) continue;
      targets.push({ app, reason: "finished-over-limit" });
      excess -= 1;
    }
    return targets;
  }

  private async execute(targets: Target[]): Promise<RoundEnd> {
    let end: RoundEnd = "done";
    const limit = pLimit(this.settings.concurrency);
    const attempt = async (target: Target): Promise<void> => {
      if (this.stopped || end === "refresh" || this.interrupted()) return;
      if (this.timeLeft() < this.safetyMs) {
        this.halt("out-of-time", `fewer than ${this.safetyMs} ms of the invocation were left`);
        return;
      }
      if (!this.settings.namespace.contains(target.app.name)) {
        throw new ScytheError(`refusing to delete ${target.app.name}: outside ${this.settings.namespace.toString()}`);
      }
      const started = this.started++;
      if (this.settings.dryRun) return this.recordDeleted(target, started);
      let outcome;
      try {
        outcome = await this.deps.platform.deleteApp(target.app, { signal: this.signal });
      } catch (error) {
        this.recordError("delete", target.app, error);
        return;
      }
      if (outcome.kind === "deleted") return this.recordDeleted(target, started);
      // Only a 404 proves the app is gone; after a lost answer it was most likely our delete.
      // A 403 proves nothing of the sort (the app is still there, being deleted or not ours).
      if (outcome.afterLostAnswer && outcome.status === 404) return this.recordDeleted(target, started, `its answer was lost; a retry found it gone (404)`);
      this.forget(target.app);
      const then = this.onConflict();
      if (then === "refresh") end = "refresh";
      const detail = outcome.afterLostAnswer ? `an earlier attempt's answer was lost; the retry got ${outcome.status}: ${outcome.detail}` : outcome.detail;
      const conflict: ReapConflict = { id: target.app.id, name: target.app.name, status: outcome.status, detail, then };
      this.conflicts.push(conflict);
      this.deps.onEvent({ type: "conflict", conflict });
    };
    await Promise.all(targets.map((target) => limit(() => attempt(target))));
    return this.stopped ? "stop" : end;
  }

  private onConflict(): ReapConflict["then"] {
    if (this.settings.onConflict === "refresh-and-continue") return "refresh";
    if (this.live.length >= this.settings.limit) return "continue";
    this.halt("stopped-under-limit", `a conflict left ${this.live.length} apps, under the limit of ${this.settings.limit}`, true);
    return "stop";
  }

  private recordDeleted(target: Target, started: number, note?: string): void {
    const app: ReapedApp = {
      id: target.app.id,
      name: target.app.name,
      createdAt: new Date(target.app.createdAt).toISOString(),
      ageMinutes: minutes(this.age(target.app)),
      reason: target.reason,
      ...(note ? { note } : {}),
    };
    this.deleted.push({ app, started });
    this.forget(target.app);
    this.deps.onEvent({ type: "deleted", app, dryRun: this.settings.dryRun });
  }

  private recordError(phase: ReapError["phase"], app: PlatformApp | undefined, error: unknown): void {
    const entry: ReapError = {
      phase,
      ...(app ? { id: app.id, name: app.name } : {}),
      error: error instanceof Error ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof PlatformError && error.status !== undefined ? { status: error.status } : {}),
    };
    this.errors.push(entry);
    if (app) {
      this.failed.add(app.id);
      this.reasons.set(app.id, { why: "delete-failed", detail: entry.message });
    }
    this.deps.onEvent({ type: "error", error: entry });
  }

  private forget(app: PlatformApp): void {
    this.gone.add(app.id);
    this.live = this.live.filter((other) => other.id !== app.id);
  }

  private overLimit(detail: string): void {
    for (const app of this.live) if (!this.reasons.has(app.id)) this.reasons.set(app.id, { why: "over-limit", detail });
    this.complete = false;
  }

  private halt(why: LeftReason, detail: string, asPlanned = false): void {
    if (this.stopped) return;
    this.stopped = { why, detail };
    if (!asPlanned) this.complete = false;
  }

  private interrupted(): boolean {
    if (!this.signal.aborted) return false;
    const byDeadline = this.deadline.signal.aborted && !this.control.signal?.aborted;
    if (byDeadline) this.halt("out-of-time", "the invocation's deadline came");
    else this.halt("stopped", "the reaper lock was lost or the pass was cancelled");
    return true;
  }

  private timeLeft(): number {
    return this.control.remainingMs ? this.control.remainingMs() : Infinity;
  }

  private armDeadline(): void {
    if (!this.control.remainingMs) return;
    // Waits inside the platform client (429 back-off, the reserve) must not outlive the invocation.
    const ms = Math.max(0, this.control.remainingMs() - this.safetyMs / 2);
    this.deadlineTimer = setTimeout(() => this.deadline.abort(new ScytheError("the pass reached its deadline")), ms);
  }

  private age(app: PlatformApp): number {
    return this.deps.clock.now() - app.createdAt;
  }

  private report(): ReapReport {
    const s = this.settings;
    const usage = this.deps.platform.usage();
    const left = this.live.map((app) => {
      const reason = this.reasons.get(app.id) ?? this.defaultReason(app);
      return { id: app.id, name: app.name, ageMinutes: minutes(this.age(app)), ...reason };
    });
    return {
      ...reportedSettings(this.deps.platform.name, s),
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: this.deps.clock.now() - this.startedAt,
      seen: this.seen,
      matched: this.matched,
      deleted: [...this.deleted].sort((a, b) => a.started - b.started).map((d) => d.app),
      left,
      conflicts: this.conflicts,
      errors: this.errors,
      waits: this.waits,
      remaining: this.live.length,
      underLimit: this.live.length < s.limit,
      refreshes: this.refreshes,
      apiCalls: usage.calls - this.usageBefore.calls,
      throttled: usage.throttled - this.usageBefore.throttled,
      retries: usage.retries - this.usageBefore.retries,
      reserveWaitMs: usage.reserveWaitMs - this.usageBefore.reserveWaitMs,
      complete: this.complete,
    };
  }

  private defaultReason(app: PlatformApp): Reason {
    const young: Reason = { why: "younger-than-ttl", detail: `younger than ${this.settings.olderThanMinutes} min` };
    if (!this.settings.all && this.age(app) < this.settings.ttlMs) return young;
    // An app old enough (or any app under --all) is only left untried when the pass stopped early.
    return this.stopped ?? young;
  }
}

function oldestFirst(a: PlatformApp, b: PlatformApp): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function minutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}
