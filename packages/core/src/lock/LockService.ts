import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { systemClock, type Clock } from "../clock.js";
import { parseInput } from "../validation.js";
import { LockHeldError, LockKindError, LockLostError } from "./errors.js";
import { acquireInput, lockName, semaphoreInput, turnMsInput } from "./inputs.js";
import type { LockRecord, LockStore } from "./LockStore.js";
import { sleep } from "./sleep.js";

/** A lease on a lock: proof of holding it, and the token that fences writes made under it. */
export interface Lease {
  /** The lock item held: the lock name, or `name#i` for permit i of a semaphore. */
  readonly name: string;
  readonly owner: string;
  readonly token: number;
  readonly leaseMs: number;
  /** Epoch ms by this process's clock, after which the holder must assume the lease is gone. */
  readonly validUntil: number;
}

/** What a waiter in line last saw, to time its turn. */
interface View {
  readonly lock: LockRecord;
  /** Refused claims in a row while first in line. */
  readonly misses: number;
}

export interface LockStatus {
  readonly name: string;
  /** False when the lock has never been acquired (no item yet); its token is then 0. */
  readonly exists: boolean;
  readonly held: boolean;
  readonly holder?: string;
  readonly token: number;
  readonly expiresAt?: number;
  /** Set when the name is a semaphore (its header): its permits are `name#0` .. `name#(permits-1)`, each a lock of its own. */
  readonly kind?: "semaphore";
  readonly permits?: number;
}

export interface LockServiceOptions {
  readonly store: LockStore;
  readonly clock?: Clock;
  /**
   * Largest clock difference tolerated between processes (ms, default 1000). A contender
   * takes over only when the stored expiry is older than its own clock minus this margin;
   * a holder stops trusting its lease this long before its own expiry.
   */
  readonly skewMs?: number;
  /** Identifies this process in the lock table (default host:pid:random). */
  readonly ownerId?: string;
  /** Longest pause between attempts while waiting for a held lock (ms, default 500). */
  readonly maxPollMs?: number;
  /**
   * How long a free lock waits for the ticket whose turn it is before the next in line may
   * take it (ms, default 250): a waiter that died or gave up holds the line up this long,
   * the k-th behind it k times as long. A line that has not moved for 8 times this (plus
   * `skewMs`) is considered abandoned by a contender that does not wait.
   */
  readonly queueGraceMs?: number;
  /**
   * Turns (ms, default 0: none). A contender that takes the lock from the line (or takes a free lock)
   * starts a turn this long: until it ends, it may take the lock again past the waiting line, in one
   * write, and those in line sleep until it has ended. Fewer hand-overs between contenders when holds
   * are short (each costs a ticket and a claim, and a waiter's guess of when to claim); in exchange
   * a waiter in line may see each contender ahead of it take the lock several times (for one turn
   * each) instead of once, and waits up to one turn longer per contender ahead. A turn lasts longer
   * than this when the service's own lock writes are slow (24 of them, smoothed), at most twice this.
   * The turn is the owner id's: another process with the same owner id (and turns) may take it again too.
   * Whole milliseconds, 0 to one hour.
   */
  readonly turnMs?: number;
}

/**
 * A turn lasts at least this many of the service's own lock writes (their smoothed duration),
 * so that it holds several takes whatever the store's latency: a hand-over costs a few round trips
 * (the holder's release, the waiter's claim, its timing), and a turn of fixed milliseconds holds
 * few takes when requests are slow and the hand-over's cost is then spread over few acquisitions.
 */
const turnRoundTrips = 24;
/** ...but never longer than this many times `turnMs`, which bounds each turn a waiter waits for. */
const turnStretch = 2;

export interface AcquireOptions {
  readonly leaseMs: number;
  /** How long to keep trying while another owner holds the lock (ms, default 0). */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Leases with fencing tokens on a LockStore. Expiry is decided by wall clocks: the
 * holder writes `expiresAt` by its clock, and a contender compares it with its own
 * clock less `skewMs`. So clocks must agree within `skewMs` (NTP-synced hosts, Lambda).
 */
export class LockService {
  readonly ownerId: string;
  readonly skewMs: number;
  private readonly store: LockStore;
  private readonly clock: Clock;
  private readonly maxPollMs: number;
  private readonly queueGraceMs: number;
  private readonly turnMs: number;
  /** Locks whose turn is this service's, and until when (by its own clock). */
  private readonly turns = new Map<string, number>();
  /** Locks this service last had to wait for, or left others waiting on: its next acquire joins the line at once. */
  private readonly contended = new Set<string>();
  /** Semaphores this service has seen declared, with their permit counts (a header never changes). */
  private readonly semaphores = new Map<string, number>();
  /** How long this service's lock writes take, smoothed (ms): turns are measured in them. */
  private writeMs: number | undefined;

  constructor(options: LockServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.skewMs = options.skewMs ?? 1000;
    this.maxPollMs = options.maxPollMs ?? 500;
    this.queueGraceMs = options.queueGraceMs ?? 250;
    this.turnMs = parseInput(turnMsInput, options.turnMs ?? 0, "turnMs");
    this.ownerId = options.ownerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Acquires `name`, waiting up to `waitMs` for a holder to release or expire. */
  async acquire(name: string, options: AcquireOptions): Promise<Lease> {
    const input = parseInput(acquireInput, { name, leaseMs: options.leaseMs, waitMs: options.waitMs });
    const turnUntil = this.turns.get(input.name);
    if (turnUntil !== undefined && this.store.retake) {
      const now = this.clock.now();
      this.turns.delete(input.name);
      // Within this service's turn: take it again past the line (one write), else join the line as usual.
      if (now < turnUntil) {
        const retake = this.store.retake.bind(this.store);
        const outcome = await this.timed(() => retake(input.name, this.ownerId, now + input.leaseMs, now - this.skewMs, now));
        if (outcome.acquired) return this.took(input.name, outcome.lock, input.leaseMs, now, false);
        refuseSemaphore(input.name, outcome.current);
      }
    }
    // Without waiting there is no line to join (a ticket nobody claims would hold the line up).
    if (input.waitMs === 0 || !this.store.takeTicket || !this.store.claim) {
      return this.acquireAny([input.name], input.leaseMs, input.waitMs, options.signal, true);
    }
    return this.acquireInLine(input.name, input.leaseMs, input.waitMs, options.signal);
  }

  /**
   * Waiting in line (a ticket lock on the lock item), so that every waiter is served in
   * turn and none waits for ever: first one conditional write that takes a free lock
   * nobody waits for; otherwise a ticket (one write), a sleep until about this ticket's
   * turn (from how long holders hold and how fast turns go by, as stamped on the item),
   * and a claim, which is also the look: a refused claim returns the lock as it is.
   */
  private async acquireInLine(name: string, leaseMs: number, waitMs: number, signal?: AbortSignal): Promise<Lease> {
    const deadline = this.clock.now() + waitMs;
    const claim = this.store.claim?.bind(this.store);
    const takeTicket = this.store.takeTicket?.bind(this.store);
    if (!claim || !takeTicket) throw new Error("LockStore without a waiting line");
    if (!this.contended.has(name)) {
      const now = this.clock.now();
      const outcome = await this.timed(() => this.store.acquire(name, this.ownerId, now + leaseMs, now - this.skewMs, this.lineStaleBefore(now), this.turnFrom(now)));
      if (outcome.acquired) return this.took(name, outcome.lock, leaseMs, now, false);
      refuseSemaphore(name, outcome.current);
      // Refused because others wait, but the turn the item shows is this owner's (taken by another process
      // with the same owner id, as `scythe lock acquire --owner` is): take it again past the line.
      const retaken = await this.retakeOwnTurn(name, outcome.current, leaseMs);
      if (retaken) return retaken;
    }
    let { ticket, lock } = await this.timed(() => takeTicket(name));
    refuseSemaphore(name, lock);
    let view: View = { lock, misses: 0 };
    // Joined behind a holder or other waiters: the lock is contended, and stays so for this service's next acquire.
    const waited = (lock.holder !== undefined && lock.expiresAt >= this.clock.now() - this.skewMs) || waitingAhead(lock, ticket) > 0;
    for (;;) {
      let now = this.clock.now();
      const serving = view.lock.serving ?? 0;
      if (serving > ticket) {
        // Skipped (this waiter let its turn pass): the line has moved on, join it again.
        if (now >= deadline || signal?.aborted) throw this.held(name, view.lock);
        ({ ticket, lock } = await takeTicket(name));
        refuseSemaphore(name, lock);
        view = { lock, misses: 0 };
        continue;
      }
      const pause = this.untilTurn(view, ticket, now);
      if (pause > 0) {
        if (now >= deadline || signal?.aborted) throw await this.giveUp(name, ticket, view.lock);
        await sleep(Math.min(pause, deadline - now), signal);
        // Called off while asleep: a lock taken now would be held by nobody.
        if (signal?.aborted) throw await this.giveUp(name, ticket, view.lock);
        now = this.clock.now();
      }
      const ahead = waitingAhead(view.lock, ticket);
      const passing = ahead === 0 && serving < ticket ? range(serving, ticket) : [];
      const outcome = await this.timed(() => claim(name, this.ownerId, ticket, now + leaseMs, now - this.skewMs, now - this.skewMs - this.queueGraceMs * Math.max(1, ahead), passing, this.turnFrom(now)));
      if (outcome.acquired) return this.took(name, outcome.lock, leaseMs, now, waited);
      // Made a semaphore while this waiter was in line (the lock stood free): no turn will come.
      refuseSemaphore(name, outcome.current);
      const stillFirst = ahead === 0 && waitingAhead(outcome.current, ticket) === 0 && (outcome.current.serving ?? 0) <= ticket;
      // Refused within another's turn is no miss: the holder is expected to hold until the turn ends.
      const inTurn = othersTurnLeft(outcome.current, this.ownerId, this.clock.now()) > 0;
      view = { lock: outcome.current, misses: stillFirst && !inTurn ? view.misses + 1 : 0 };
    }
  }

  /**
   * How long to sleep before claiming: 0 when it is this ticket's turn (or the tickets
   * before it let theirs pass); otherwise the holder's expected remaining hold plus one
   * turn per ticket ahead. First in line, a refused claim means the holder holds longer
   * than usual: look again after growing pauses, never past its lease.
   */
  private untilTurn(view: View, ticket: number, now: number): number {
    const lock = view.lock;
    const ahead = waitingAhead(lock, ticket);
    const isFree = lock.holder === undefined || lock.expiresAt < now - this.skewMs;
    // How long the lock has stood free (given up, or its lease over), as the claim's condition counts it.
    const idleFor = now - this.skewMs - (lock.holder !== undefined ? lock.expiresAt : (lock.changedAt ?? now));
    // The turn's owner takes it again until its turn ends: the lock is not for the line before then.
    const turnLeft = othersTurnLeft(lock, this.ownerId, now);
    // First in line: wake when the turn ends, even if the lock stood free between two of the owner's takes
    // (a claim then would cut the turn short) or a claim was refused during it (no backoff to outgrow the turn).
    if (ahead === 0 && turnLeft > 0) return clamp(turnLeft + 1, 1, this.maxPollMs);
    if (isFree && (ahead === 0 || idleFor > this.queueGraceMs * ahead + 1)) return 0;
    // A turn lasts about as long as holders hold (stamped by each release; it includes the take's round
    // trip), or with turns, as long as a turn.
    const held = clamp(lock.heldMs ?? 10, 1, this.maxPollMs);
    const turn = Math.max(held, this.turnLength());
    if (isFree) return clamp(Math.min(turn * ahead, this.queueGraceMs * ahead + 2 - idleFor), 1, this.maxPollMs);
    const untilExpiry = lock.expiresAt + this.skewMs - now + 1;
    const remaining = Math.max(0, (lock.acquiredAt ?? now) + (lock.heldMs ?? held) - now, turnLeft);
    if (ahead === 0) {
      const pause = view.misses === 0 ? remaining + 1 : Math.min(this.maxPollMs, 2 ** Math.min(view.misses, 10));
      return clamp(Math.min(pause, untilExpiry), 1, this.maxPollMs);
    }
    // Wake while the ticket just before this one holds the lock: the refused claim then shows
    // when it took the lock, and the last sleep is timed from that.
    return clamp(Math.min(remaining + (ahead - 0.5) * turn, untilExpiry + (ahead - 1) * turn), 1, this.maxPollMs);
  }

  private took(name: string, lock: LockRecord, leaseMs: number, now: number, waited: boolean): Lease {
    // Others still in line, or this acquire had to wait: the next acquire of the lock joins the line
    // at once (with two contenders taking turns, the line is often empty at the very moment of a
    // take, and a first attempt would only fail). Cleared by a take that neither waited nor left anyone waiting.
    if (waited || (lock.nextTicket ?? 0) > (lock.serving ?? 0)) this.contended.add(name);
    else this.contended.delete(name);
    if (this.turnMs > 0 && lock.turnOwner === this.ownerId && lock.turnUntil !== undefined && lock.turnUntil > now) this.turns.set(name, lock.turnUntil);
    return { name, owner: this.ownerId, token: lock.token, leaseMs, validUntil: now + leaseMs - this.skewMs };
  }

  /**
   * Leaves the line: the ticket is marked given up, so the line passes it at once instead of
   * waiting out a grace for it (a waiter that dies without this still costs the grace).
   */
  private async giveUp(name: string, ticket: number, lock: LockRecord): Promise<LockHeldError> {
    // Best effort: if the store cannot be reached, the grace rule still passes the ticket.
    await this.store.giveUp?.(name, ticket).catch(() => undefined);
    return this.held(name, lock);
  }

  private held(name: string, lock: LockRecord): LockHeldError {
    return new LockHeldError(name, lock.holder ?? "the waiting line", lock.expiresAt);
  }

  /** When a turn started now ends, or undefined without turns. */
  private turnFrom(now: number): number | undefined {
    return this.turnMs > 0 ? now + this.turnLength() : undefined;
  }

  /** A turn: `turnMs`, or longer when this service's lock writes are slow (at least `turnRoundTrips` of them, at most `turnStretch` times `turnMs`). */
  private turnLength(): number {
    return Math.round(Math.min(this.turnMs * turnStretch, Math.max(this.turnMs, turnRoundTrips * (this.writeMs ?? 0))));
  }

  /** Runs one lock write and folds its duration into the smoothed one that turns are measured in. */
  private async timed<T>(write: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    const result = await write();
    const took = Math.max(0, this.clock.now() - started);
    this.writeMs = this.writeMs === undefined ? took : 0.875 * this.writeMs + 0.125 * took;
    return result;
  }

  /** Takes `name` again past the line if `lock` (as a refused take returned it) is free and shows this owner's turn, still running. */
  private async retakeOwnTurn(name: string, lock: LockRecord, leaseMs: number): Promise<Lease | undefined> {
    const now = this.clock.now();
    const retake = this.store.retake?.bind(this.store);
    const free = lock.holder === undefined || lock.expiresAt < now - this.skewMs;
    if (this.turnMs === 0 || !retake || !free || lock.turnOwner !== this.ownerId || (lock.turnUntil ?? 0) <= now) return undefined;
    const outcome = await this.timed(() => retake(name, this.ownerId, now + leaseMs, now - this.skewMs, now));
    return outcome.acquired ? this.took(name, outcome.lock, leaseMs, now, false) : undefined;
  }

  /** A line that has not moved since this is considered abandoned by a contender that does not wait. */
  private lineStaleBefore(now: number): number {
    return now - this.skewMs - 8 * this.queueGraceMs;
  }

  /**
   * Acquires one of `permits` permits of the semaphore `name` (the Redis semaphore the old
   * deployer used). Each permit is its own fenced lock item, `name#0` .. `name#(permits-1)`.
   */
  async acquirePermit(name: string, permits: number, options: AcquireOptions): Promise<Lease> {
    const input = parseInput(semaphoreInput, { name, permits, leaseMs: options.leaseMs, waitMs: options.waitMs });
    await this.declareSemaphore(input.name, input.permits);
    const start = Math.floor(Math.random() * input.permits);
    const items = Array.from({ length: input.permits }, (_, i) => `${input.name}#${(start + i) % input.permits}`);
    return this.acquireAny(items, input.leaseMs, input.waitMs, options.signal);
  }

  /**
   * Makes sure `name` is a semaphore of exactly `permits` permits before any permit is taken:
   * the header on the item `name` is written once (conditionally, so the first caller fixes the
   * count and an exclusive holder keeps it from becoming one) and never changes, so a process that
   * saw it once needs no further write. Permit counts that differ, or an exclusive lock, are refused.
   */
  private async declareSemaphore(name: string, permits: number): Promise<void> {
    const known = this.semaphores.get(name);
    if (known === undefined) {
      const declared = await this.store.declareSemaphore(name, permits, this.clock.now() - this.skewMs);
      if (declared.ok) {
        this.semaphores.set(name, permits);
        return;
      }
      const current = declared.current;
      if (current.kind === "semaphore" && current.permits !== undefined) this.semaphores.set(name, current.permits);
      throw new LockKindError(name, current.kind === "semaphore" ? current.permits : undefined, permits, current.holder === undefined ? undefined : { holder: current.holder, expiresAt: current.expiresAt });
    }
    if (known !== permits) throw new LockKindError(name, known, permits);
  }

  /** Pushes the lease's expiry `leaseMs` from now. Throws LockLostError if it is no longer held. */
  async extend(lease: Lease, leaseMs = lease.leaseMs): Promise<Lease> {
    const now = this.clock.now();
    const record = await this.store.extend(lease.name, lease.owner, lease.token, now + leaseMs);
    if (!record) throw new LockLostError(lease.name, lease.token);
    return { ...lease, leaseMs, validUntil: now + leaseMs - this.skewMs };
  }

  /** Gives the lock up, keeping its token so the next holder's is higher. */
  async release(lease: Lease): Promise<void> {
    const released = await this.timed(() => this.store.release(lease.name, lease.owner, lease.token));
    if (released) return;
    const why = this.whyNotReleased(lease, await this.store.get(lease.name));
    throw new LockLostError(lease.name, lease.token, why.detail, why.state);
  }

  /** Says truthfully why a release was refused: a wrong owner, a second release, a successor, or a lock never taken. */
  private whyNotReleased(lease: Lease, record: LockRecord | null): { state?: string; detail: string } {
    if (!record) return { detail: "it has never been acquired" };
    if (record.kind === "semaphore") return { detail: `it is a semaphore of ${record.permits} permits, whose permits are ${record.name}#0 .. ${record.name}#${(record.permits ?? 1) - 1}` };
    if (!this.isLive(record, this.clock.now())) {
      if (record.holder === undefined) {
        return { detail: record.token === lease.token ? "it was already released (it is free)" : `it is free; the latest holder had token ${record.token}` };
      }
      return { detail: `${record.holder} took it with token ${record.token} and its lease has run out (it is free to acquire)` };
    }
    const held = `it is held by ${record.holder ?? "another owner"} with token ${record.token}`;
    // Live at this very token under another owner: the caller never held it (a wrong --owner); nothing was lost.
    if (record.token === lease.token && record.holder !== lease.owner) return { state: `is not held by ${lease.owner}`, detail: `${held}; nothing was released` };
    return { detail: held };
  }

  /** This service's clock, for helpers that schedule against the same time as the leases. */
  now(): number {
    return this.clock.now();
  }

  async status(name: string): Promise<LockStatus> {
    const checked = parseInput(lockName, name, "name");
    const record = await this.store.get(checked);
    if (!record) return { name: checked, exists: false, held: false, token: 0 };
    if (record.kind === "semaphore") return { name: checked, exists: true, held: false, token: record.token, kind: record.kind, permits: record.permits };
    const held = this.isLive(record, this.clock.now());
    return held
      ? { name: checked, exists: true, held, holder: record.holder, token: record.token, expiresAt: record.expiresAt }
      : { name: checked, exists: true, held, token: record.token };
  }

  private isLive(record: LockRecord, now: number): boolean {
    return record.holder !== undefined && record.expiresAt >= now - this.skewMs;
  }

  private async acquireAny(items: string[], leaseMs: number, waitMs: number, signal?: AbortSignal, exclusive = false): Promise<Lease> {
    const deadline = this.clock.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      let soonest: LockRecord | undefined;
      for (const item of items) {
        const now = this.clock.now();
        // An exclusive lock's take starts a turn (with turns); a semaphore's permits have none.
        const outcome = await this.timed(() => this.store.acquire(item, this.ownerId, now + leaseMs, now - this.skewMs, this.lineStaleBefore(now), exclusive ? this.turnFrom(now) : undefined));
        if (outcome.acquired) {
          if (exclusive) return this.took(item, outcome.lock, leaseMs, now, false);
          return { name: item, owner: this.ownerId, token: outcome.lock.token, leaseMs, validUntil: now + leaseMs - this.skewMs };
        }
        refuseSemaphore(item, outcome.current);
        const retaken = exclusive ? await this.retakeOwnTurn(item, outcome.current, leaseMs) : undefined;
        if (retaken) return retaken;
        if (!soonest || outcome.current.expiresAt < soonest.expiresAt) soonest = outcome.current;
      }
      const now = this.clock.now();
      if (!soonest || now >= deadline || signal?.aborted) {
        throw new LockHeldError(items[0] ?? "", soonest?.holder ?? "unknown", soonest?.expiresAt ?? 0);
      }
      // Poll: a release is seen at the next attempt, an expiry right after it happens.
      const untilExpiry = soonest.expiresAt + this.skewMs - now + 1;
      const backoff = Math.min(this.maxPollMs, 25 * 2 ** Math.min(attempt, 5));
      const pause = Math.max(1, Math.min(untilExpiry, backoff * (0.5 + Math.random() / 2), deadline - now));
      await sleep(pause, signal);
    }
  }
}

/** An exclusive take refused because `name` is a semaphore's header: no wait can make it an exclusive lock. */
function refuseSemaphore(name: string, lock: LockRecord): void {
  if (lock.kind === "semaphore") throw new LockKindError(name, lock.permits, undefined);
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** How long another owner's turn on `lock` still runs (ms; 0 or less when it is over or the turn is `owner`'s). */
const othersTurnLeft = (lock: LockRecord, owner: string, now: number) =>
  lock.turnOwner !== undefined && lock.turnOwner !== owner ? (lock.turnUntil ?? 0) - now : 0;

/** Tickets ahead of `ticket` whose waiters still wait (those given up do not count). */
const waitingAhead = (lock: LockRecord, ticket: number) => range(lock.serving ?? 0, ticket).filter((t) => !lock.gaveUp?.includes(t)).length;
