/**
 * The invariant a rolling deploy must never break: a load balancer that had
 * InService instances must never be left with none. Checked after every call and
 * after every timed transition, at that transition's simulated timestamp.
 */
import type { Violation } from "./schemas.js";

export interface LbCount {
  inService: number;
  registered: number;
}

export class ViolationDetector {
  private last = new Map<string, number>();
  private open = new Map<string, Violation>();
  private found: Violation[] = [];

  /** Records the current counts without judging them (seeding, reset). */
  baseline(counts: Map<string, LbCount>): void {
    for (const [name, c] of counts) this.last.set(name, c.inService);
  }

  check(time: number, at: string, seq: number, cause: string, counts: Map<string, LbCount>): Violation[] {
    const fresh: Violation[] = [];
    for (const name of [...this.last.keys()]) {
      if (!counts.has(name)) {
        this.last.delete(name);
        this.open.delete(name);
      }
    }
    for (const [name, c] of counts) {
      const previous = this.last.get(name);
      if (previous !== undefined && previous > 0 && c.inService === 0) {
        const v: Violation = { loadBalancer: name, time, at, previousInService: previous, registered: c.registered, seq, cause };
        this.found.push(v);
        this.open.set(name, v);
        fresh.push(v);
      } else if (c.inService > 0) {
        const openViolation = this.open.get(name);
        if (openViolation !== undefined) openViolation.endedTime = time;
        this.open.delete(name);
      }
      this.last.set(name, c.inService);
    }
    return fresh;
  }

  list(): Violation[] {
    return this.found.map((v) => ({ ...v }));
  }

  clear(): void {
    this.last.clear();
    this.open.clear();
    this.found = [];
  }
}
