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
    return this.events.filter((e) => e.seq > since);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.events = [];
  }
}
