import type { ReaperEvent } from "@scythe/core/reaper";
import { formatSeconds } from "./LiveStatus.js";

/**
 * What `scythe reap`'s live line says: first the lock it waits for, then the counts, and
 * while over the limit the app it waits for and the time left.
 */
export class ReapProgress {
  private phase: "lock" | "reaping" = "lock";
  private seen = 0;
  private matched = 0;
  private deleted = 0;
  private conflicts = 0;
  private errors = 0;
  private wait: { until: number; oldest: string } | undefined;
  private readonly started: number;

  constructor(
    private readonly lockWaitMs: number,
    private readonly dryRun: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  on(event: ReaperEvent): void {
    this.phase = "reaping";
    if (event.type === "listed") {
      this.seen = event.seen;
      this.matched = event.matched;
      this.wait = undefined;
    } else if (event.type === "deleted") this.deleted += 1;
    else if (event.type === "conflict") this.conflicts += 1;
    else if (event.type === "error") this.errors += 1;
    else if (event.type === "waiting") this.wait = { until: this.now() + event.wait.ms, oldest: event.wait.oldest };
  }

  line(): string {
    const now = this.now();
    if (this.phase === "lock") return `waiting for the reaper lock (another pass may hold it) · ${formatSeconds(this.started + this.lockWaitMs - now)} left`;
    const counts = `${this.matched} of ${this.seen} apps in the namespace · ${this.deleted} ${this.dryRun ? "would go" : "deleted"} · ${this.conflicts} conflicts · ${this.errors} errors`;
    if (this.wait && now < this.wait.until) return `${counts} · over the limit: waiting for ${this.wait.oldest} to reach the TTL · ${formatSeconds(this.wait.until - now)} left`;
    return `${counts} · ${formatSeconds(now - this.started)} elapsed`;
  }
}
