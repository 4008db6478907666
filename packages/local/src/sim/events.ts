/** Append-only log of calls and state transitions. Sequence numbers never repeat, even across resets. */
import type { SimEvent } from "./schemas.js";

const MAX_EVENTS = 200_000;

export class EventLog {
  private events: SimEvent[] = [];
  private seq = 0;

  append(event: Omit<SimEvent, "seq">): SimEvent {
    const full: SimEvent = { seq: ++this.seq, ...event };
    this.events.push(full);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    return full;
  }

  /** Events with seq greater than `since`. */
  since(since = 0): SimEvent[] {
    // Sequence numbers only grow: find the first newer event by bisection, not by a pass over
    // the whole log (the local EventBridge rule asks every few ms, the log holds the whole run).
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid]?.seq ?? 0) <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.events = [];
  }
}
