/** Pending state transitions, kept in (time, insertion) order. */
export interface Pending {
  at: number;
  seq: number;
  run: (at: number) => void;
}

export class Scheduler {
  private queue: Pending[] = [];
  private seq = 0;

  add(at: number, run: (at: number) => void): void {
    const item: Pending = { at, seq: this.seq++, run };
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid];
      if (other !== undefined && other.at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  nextAt(): number | undefined {
    return this.queue[0]?.at;
  }

  /** Removes and returns the earliest transition due at or before `now`. */
  popDue(now: number): Pending | undefined {
    const first = this.queue[0];
    if (first === undefined || first.at > now) return undefined;
    this.queue.shift();
    return first;
  }

  get size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue = [];
  }
}
