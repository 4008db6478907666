import { GetCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { sendFenced } from "../../src/aws/dynamo/index.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockHeldError, LockService, fenceOf, type Lease, type LockStore } from "../../src/lock/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let endpoint: string;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  ({ names, doc, endpoint } = await freshTables());
});

type Doc = typeof doc;

/**
 * A document client whose UpdateItem responses are lost after DynamoDB applied the write
 * (as when a connection drops on the way back): the SDK sends the very same request again.
 * `lose(i)` says whether the i-th UpdateItem loses its first response.
 */
function lossyClient(lose: (i: number) => boolean) {
  const lossy = localDocumentClient(endpoint);
  const lost = new WeakSet<object>();
  let updates = 0;
  let losses = 0;
  lossy.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "UpdateItemCommand" && !lost.has(args.input as object) && lose(updates++)) {
        lost.add(args.input as object);
        losses += 1;
        throw Object.assign(new Error("response lost on the way back"), { name: "TimeoutError", $metadata: {} });
      }
      return result;
    },
    { step: "deserialize", name: "loseResponses" },
  );
  return { doc: lossy, losses: () => losses };
}

interface Run {
  final: unknown;
  maxInside: number;
  tokens: number[];
  served: number[];
  /**
   * For each acquisition that waited in line: how many acquisitions by others the lock saw between
   * its ticket and its take, counted by fencing tokens (the item's own order, not this process's
   * timing, which under load can lag a request's landing by any amount).
   */
  overtaken: number[];
  /** The same acquisitions: how many turns of others (runs of takes by one owner) came between its ticket and its take. */
  turnsAhead: number[];
}

/**
 * Real concurrent contenders on one lock, each a LockService of its own. Every holder does a
 * fenced read-modify-write of a counter: two holders at once would lose an update.
 */
async function contend(lockName: string, contenders: number, rounds: number, options: { client?: Doc; queueGraceMs?: number; turnMs?: number } = {}): Promise<Run> {
  const client = options.client ?? doc;
  const key = { pk: `counter#${lockName}`, sk: "value" };
  let inside = 0;
  let maxInside = 0;
  const tokens: number[] = [];
  const served = Array.from({ length: contenders }, () => 0);
  const overtaken: number[] = [];
  const owners = new Map<number, number>();
  const joins: { from: number; to: number }[] = [];
  await Promise.all(
    Array.from({ length: contenders }, async (_, id) => {
      const store = new DynamoLockStore(client, { tableName: names.locks });
      // The lock's token when this contender's latest ticket was handed out.
      let joinedAt: number | undefined;
      const counted: LockStore = {
        acquire: (...args) => store.acquire(...args),
        extend: (...args) => store.extend(...args),
        release: (...args) => store.release(...args),
        get: (name) => store.get(name),
        declareSemaphore: (...args) => store.declareSemaphore(...args),
        takeTicket: async (name) => {
          const ticket = await store.takeTicket(name);
          joinedAt = ticket.lock.token;
          return ticket;
        },
        claim: (...args) => store.claim(...args),
        giveUp: (name, ticket) => store.giveUp(name, ticket),
        retake: (...args) => store.retake(...args),
      };
      const locks = new LockService({
        store: counted,
        ownerId: `w${id}`,
        skewMs: 0,
        queueGraceMs: options.queueGraceMs ?? 60_000,
        turnMs: options.turnMs,
      });
      for (let round = 0; round < rounds; round++) {
        joinedAt = undefined;
        const lease = await locks.acquire(lockName, { leaseMs: 60_000, waitMs: 120_000 });
        owners.set(lease.token, id);
        if (joinedAt !== undefined) {
          overtaken.push(lease.token - joinedAt - 1);
          joins.push({ from: joinedAt, to: lease.token });
        }
        inside++;
        maxInside = Math.max(maxInside, inside);
        const current = await client.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
        const value = typeof current.Item?.value === "number" ? current.Item.value : 0;
        const write = await sendFenced(client, { put: { TableName: names.registry, Item: { ...key, value: value + 1 } } }, fenceOf(lease));
        expect(write.ok).toBe(true);
        tokens.push(lease.token);
        served[id] = (served[id] ?? 0) + 1;
        inside--;
        await locks.release(lease);
      }
    }),
  );
  const final = await doc.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
  // Runs of one owner's takes between a ticket and its take (a token nobody here took counts as a run of its own).
  const turnsAhead = joins.map(({ from, to }) => {
    let runs = 0;
    for (let t = from + 1; t < to; t++) if (t === from + 1 || owners.get(t) === undefined || owners.get(t) !== owners.get(t - 1)) runs++;
    return runs;
  });
  return { final: final.Item?.value, maxInside, tokens, served, overtaken, turnsAhead };
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The store's own methods, bound, to wrap one of them. */
const bind = (store: DynamoLockStore): LockStore => ({
  acquire: (...args) => store.acquire(...args),
  extend: (...args) => store.extend(...args),
  release: (...args) => store.release(...args),
  get: (name) => store.get(name),
  declareSemaphore: (...args) => store.declareSemaphore(...args),
  takeTicket: (name) => store.takeTicket(name),
  claim: (...args) => store.claim(...args),
  giveUp: (name, ticket) => store.giveUp(name, ticket),
  retake: (...args) => store.retake(...args),
});

const strictlyIncreasing = (tokens: number[]) => tokens.every((t, i) => i === 0 || t > tokens[i - 1]!);

describe("Waiting line on the lock item, on DynamoDB Local", () => {
  it("serves every contender in turn: once in line, none is overtaken by more than one acquisition per other contender (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 5 }), async (contenders, rounds) => {
        const r = await contend(`fair${run++}`, contenders, rounds);
        expect(r.maxInside).toBe(1);
        expect(r.final).toBe(contenders * rounds);
        expect(r.served).toEqual(Array.from({ length: contenders }, () => rounds));
        expect(strictlyIncreasing(r.tokens)).toBe(true);
        // Only those ahead in line when it joined: each other contender holds one ticket at most.
        expect(Math.max(0, ...r.overtaken)).toBeLessThanOrEqual(contenders - 1);
      }),
      { numRuns: 10 },
    );
  });

  it("32 contenders: all served, one holder at a time, tokens strictly increasing, bounded overtaking", async () => {
    const r = await contend("fair32", 32, 3);
    expect(r.maxInside).toBe(1);
    expect(r.final).toBe(96);
    expect(r.served.every((n) => n === 3)).toBe(true);
    expect(strictlyIncreasing(r.tokens)).toBe(true);
    expect(Math.max(0, ...r.overtaken)).toBeLessThanOrEqual(31);
    // Most acquisitions here waited in line: the bound above is about them.
    expect(r.overtaken.length).toBeGreaterThan(48);
  });

  it("with turns: one holder at a time, no lost update, everyone served, and once in line at most one turn per other contender ahead (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(5, 20, 60), async (contenders, rounds, turnMs) => {
        const r = await contend(`turns${run++}`, contenders, rounds, { turnMs });
        expect(r.maxInside).toBe(1);
        expect(r.final).toBe(contenders * rounds);
        expect(r.served).toEqual(Array.from({ length: contenders }, () => rounds));
        expect(strictlyIncreasing(r.tokens)).toBe(true);
        expect(Math.max(0, ...r.turnsAhead)).toBeLessThanOrEqual(contenders - 1);
      }),
      { numRuns: 10 },
    );
  });

  it("with turns: takes again within its turn in one write, and a free lock nobody waits for too", async () => {
    const { names: own, client } = await freshTables();
    const meter = meterClient(client);
    const { DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
    const store = new DynamoLockStore(DynamoDBDocumentClient.from(client), { tableName: own.locks });
    let retakes = 0;
    const counting: LockStore = { ...bind(store), retake: (...args) => ((retakes += 1), store.retake(...args)) };
    const locks = new LockService({ store: counting, ownerId: "solo", turnMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      meter.reset();
      const lease = await locks.acquire("solo-turns", { leaseMs: 10_000, waitMs: 5_000 });
      expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
      await locks.release(lease);
    }
    expect(retakes).toBe(2);
    // A waiter arrives (its claims held back until the end): the holder's turn still lets it take
    // the lock again past the line, in one write; once the holder lets go, the waiter is served.
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const other = new LockService({ store: { ...bind(store), claim: async (...args) => (await gate, store.claim(...args)) }, ownerId: "other", skewMs: 0 });
    let lease = await locks.acquire("solo-turns", { leaseMs: 10_000 });
    const waiting = other.acquire("solo-turns", { leaseMs: 10_000, waitMs: 30_000 });
    await waitFor(async () => ((await store.get("solo-turns"))?.nextTicket ?? 0) > 0);
    await locks.release(lease);
    meter.reset();
    lease = await locks.acquire("solo-turns", { leaseMs: 10_000 });
    expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
    expect(retakes).toBe(4);
    await locks.release(lease);
    open();
    expect(await waiting).toMatchObject({ owner: "other", token: lease.token + 1 });
  });

  it("with turns: a turn lasts longer when the store answers slowly, at least 24 of the service's writes and at most twice turnMs", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    // A clock that each lock write moves on by `latency` ms: the service sees writes that slow.
    let at = Date.now();
    let latency = 0;
    const clock = { now: () => at };
    const slow = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A) => {
      const result = await call(...args);
      at += latency;
      return result;
    };
    const stored = bind(store);
    const slowStore: LockStore = { ...stored, acquire: slow(stored.acquire), release: slow(stored.release), retake: slow((...a: Parameters<DynamoLockStore["retake"]>) => store.retake(...a)) };
    const turnOf = async (locks: LockService, name: string) => {
      const taken = at;
      const lease = await locks.acquire(name, { leaseMs: 60_000, waitMs: 1_000 });
      const turn = ((await store.get(name))?.turnUntil ?? 0) - taken;
      await locks.release(lease);
      at += 10 * 60_000; // past any turn
      return turn;
    };
    const fast = new LockService({ store: slowStore, clock, ownerId: "fast", turnMs: 25, skewMs: 0 });
    expect(await turnOf(fast, "adaptive-fast")).toBe(25);
    expect(await turnOf(fast, "adaptive-fast")).toBe(25);
    latency = 1.5; // 24 writes of 1.5 ms: 36 ms
    const medium = new LockService({ store: slowStore, clock, ownerId: "medium", turnMs: 25, skewMs: 0 });
    for (let i = 0; i < 30; i++) await turnOf(medium, "adaptive-medium");
    expect(await turnOf(medium, "adaptive-medium")).toBe(36);
    latency = 50; // 24 writes of 50 ms would be 1.2 s: capped at 2 x 25 ms
    const slowest = new LockService({ store: slowStore, clock, ownerId: "slowest", turnMs: 25, skewMs: 0 });
    for (let i = 0; i < 5; i++) await turnOf(slowest, "adaptive-slow");
    expect(await turnOf(slowest, "adaptive-slow")).toBe(50);
  });

  it("with turns: another process with the same owner id takes the lock again past the line within the turn the item shows, with and without waiting", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const first = new LockService({ store, ownerId: "ci-job", turnMs: 60_000 });
    const lease = await first.acquire("same-owner", { leaseMs: 10_000 });
    await first.release(lease);
    // Someone joins the line (and never claims in this test).
    await store.takeTicket("same-owner");
    const strict = new LockService({ store, ownerId: "ci-job" });
    await expect(strict.acquire("same-owner", { leaseMs: 10_000 })).rejects.toThrow(LockHeldError);
    // A second process of the same owner (a later CLI call with the same --owner) within the turn.
    const second = new LockService({ store, ownerId: "ci-job", turnMs: 60_000 });
    const again = await second.acquire("same-owner", { leaseMs: 10_000 });
    expect(again.token).toBe(lease.token + 1);
    await second.release(again);
    const third = new LockService({ store, ownerId: "ci-job", turnMs: 60_000 });
    const waited = await third.acquire("same-owner", { leaseMs: 10_000, waitMs: 5_000 });
    expect(waited.token).toBe(lease.token + 2);
    await third.release(waited);
    // Another owner is not let past the line by someone else's turn.
    const stranger = new LockService({ store, ownerId: "stranger", turnMs: 60_000 });
    await expect(stranger.acquire("same-owner", { leaseMs: 10_000 })).rejects.toThrow(LockHeldError);
  });

  it("with turns: the first in line waits for the turn's end even when it finds the lock free between two of the owner's takes", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const owner = new LockService({ store, ownerId: "turn-owner", turnMs: 1_000, skewMs: 0 });
    const waiter = new LockService({ store, ownerId: "waiter", skewMs: 0 });
    // The waiter waits once (behind the owner's first turn), so its next acquire joins the line at once.
    let lease = await owner.acquire("turn-free", { leaseMs: 10_000 });
    const first = waiter.acquire("turn-free", { leaseMs: 10_000, waitMs: 30_000 });
    await waitFor(async () => ((await store.get("turn-free"))?.nextTicket ?? 0) > 0);
    await owner.release(lease);
    await waiter.release(await first);
    // The owner starts a new turn and lets go; the waiter joins the line while the lock stands free in that turn.
    lease = await owner.acquire("turn-free", { leaseMs: 10_000 });
    await owner.release(lease);
    const second = waiter.acquire("turn-free", { leaseMs: 10_000, waitMs: 30_000 });
    await waitFor(async () => {
      const lock = await store.get("turn-free");
      return (lock?.nextTicket ?? 0) > (lock?.serving ?? 0) || lock?.holder === "waiter";
    });
    // Still the owner's turn: it takes the lock again past the line (before, the waiter had claimed it at once).
    const again = await owner.acquire("turn-free", { leaseMs: 10_000 });
    expect(again.token).toBe(lease.token + 1);
    await owner.release(again);
    expect((await second).token).toBe(again.token + 1);
  });

  it("refuses a turn that is negative, fractional or longer than an hour, naming turnMs", () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    for (const turnMs of [-1, 2.5, 3_600_001, Number.NaN]) {
      expect(() => new LockService({ store, turnMs })).toThrow(/turnMs/);
    }
  });

  it("takes a free lock nobody waits for in one write, and gives it back in one", async () => {
    const { names: own, client } = await freshTables();
    const meter = meterClient(client);
    const { DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
    const locks = new LockService({ store: new DynamoLockStore(DynamoDBDocumentClient.from(client), { tableName: own.locks }) });
    for (let i = 0; i < 3; i++) {
      meter.reset();
      const lease = await locks.acquire("solo", { leaseMs: 10_000, waitMs: 5_000 });
      expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
      meter.reset();
      await locks.release(lease);
      expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
    }
  });

  it("a contender that had to wait joins the line at once next time, and takes in one write again once nobody waits", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    let takesByB = 0;
    // B's store counts its takes outside the line (the first attempt of an acquire).
    const bStore: LockStore = {
      acquire: (...args) => ((takesByB += 1), store.acquire(...args)),
      extend: (...args) => store.extend(...args),
      release: (...args) => store.release(...args),
      get: (name) => store.get(name),
      takeTicket: (name) => store.takeTicket(name),
      claim: (...args) => store.claim(...args),
      giveUp: (name, ticket) => store.giveUp(name, ticket),
      declareSemaphore: (...args) => store.declareSemaphore(...args),
    };
    const a = new LockService({ store, ownerId: "a", skewMs: 0 });
    const b = new LockService({ store: bStore, ownerId: "b", skewMs: 0 });
    const name = "rejoin";
    const options = { leaseMs: 60_000, waitMs: 60_000 };
    let aLease = await a.acquire(name, options);
    // B finds it held: one take refused, then a ticket; it is served once A lets go.
    const bFirst = b.acquire(name, options);
    await waitFor(async () => ((await store.get(name))?.nextTicket ?? 0) > 0);
    await a.release(aLease);
    await b.release(await bFirst);
    expect(takesByB).toBe(1);
    // Contended again: B, who waited last time, joins the line without a take that can only fail.
    aLease = await a.acquire(name, options);
    const bSecond = b.acquire(name, options);
    await waitFor(async () => ((await store.get(name))?.nextTicket ?? 0) > 1);
    await a.release(aLease);
    await b.release(await bSecond);
    expect(takesByB).toBe(1);
    // Nobody waits any more: B's acquire after one that did not wait is one take again.
    await b.release(await b.acquire(name, options));
    const before = takesByB;
    await b.release(await b.acquire(name, options));
    expect(takesByB).toBe(before + 1);
  });

  it("skips a ticket whose waiter died: the line behind it is served, and a waiter arriving later too", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const holder = new LockService({ store, ownerId: "holder", skewMs: 0, queueGraceMs: 50 });
    const lease = await holder.acquire("dead-ticket", { leaseMs: 60_000 });
    // Two waiters take tickets and die before their turn.
    await store.takeTicket("dead-ticket");
    await store.takeTicket("dead-ticket");
    const waiters = ["a", "b", "c"].map((id) => new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 50 }));
    const waiting = waiters.map(async (w) => {
      const l = await w.acquire("dead-ticket", { leaseMs: 60_000, waitMs: 60_000 });
      await w.release(l);
      return l.token;
    });
    await holder.release(lease);
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens).size).toBe(3);
    expect(Math.min(...tokens)).toBeGreaterThan(lease.token);
    // The dead tickets are behind us: the next acquire does not wait for them again.
    const later = await new LockService({ store, ownerId: "late", skewMs: 0, queueGraceMs: 50 }).acquire("dead-ticket", { leaseMs: 1000, waitMs: 60_000 });
    expect(later.token).toBe(Math.max(...tokens) + 1);
  });

  it("a waiter that gives up at its deadline leaves no ticket behind: the one after it is served without waiting out the grace", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    // A grace far longer than anyone here waits: only a line that knows the ticket was given up can move on.
    const service = (id: string) => new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 600_000 });
    const holder = service("holder");
    const lease = await holder.acquire("gave-up", { leaseMs: 60_000 });
    const impatient = service("impatient").acquire("gave-up", { leaseMs: 60_000, waitMs: 150 });
    await expect(impatient).rejects.toBeInstanceOf(LockHeldError);
    // Behind the ticket given up: waits (as long as the test allows) for its turn.
    const patient = service("patient").acquire("gave-up", { leaseMs: 60_000, waitMs: 20_000 });
    await waitFor(async () => ((await store.get("gave-up"))?.nextTicket ?? 0) >= 2);
    const alsoPatient = service("also").acquire("gave-up", { leaseMs: 60_000, waitMs: 20_000 }).then(
      (l) => l,
      (error: unknown) => error,
    );
    await holder.release(lease);
    const first = await patient;
    await service("patient").release(first);
    const second = (await alsoPatient) as Lease | Error;
    if (second instanceof Error) throw second;
    expect([first.token, second.token]).toEqual([lease.token + 1, lease.token + 2]);
    // Nothing left in line: a contender that does not wait takes the free lock.
    await service("also").release(second);
    expect((await service("late").acquire("gave-up", { leaseMs: 1000 })).token).toBe(lease.token + 3);
  });

  it("several waiters in a row that give up (the first of them while it is its turn) are passed over together", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const service = (id: string) => new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 600_000 });
    const holder = service("holder");
    const lease = await holder.acquire("gave-up-many", { leaseMs: 60_000 });
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const quitters = controllers.map((c, i) =>
      service(`quit${i}`).acquire("gave-up-many", { leaseMs: 60_000, waitMs: 60_000, signal: c.signal }).then(
        (lease) => lease,
        (error: unknown) => error,
      ),
    );
    await waitFor(async () => ((await store.get("gave-up-many"))?.nextTicket ?? 0) >= 3);
    const patient = service("patient").acquire("gave-up-many", { leaseMs: 60_000, waitMs: 20_000 });
    await waitFor(async () => ((await store.get("gave-up-many"))?.nextTicket ?? 0) >= 4);
    // The first quitter is first in line (its turn, the lock still held) when they all give up.
    for (const c of controllers) c.abort();
    for (const q of quitters) expect(await q).toBeInstanceOf(LockHeldError);
    await holder.release(lease);
    expect((await patient).token).toBe(lease.token + 1);
  });

  it("a contender that does not wait takes a free lock whose only waiters gave up", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const service = (id: string) => new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 600_000 });
    const holder = service("holder");
    const lease = await holder.acquire("only-quitters", { leaseMs: 60_000 });
    await expect(service("quitter").acquire("only-quitters", { leaseMs: 1000, waitMs: 100 })).rejects.toBeInstanceOf(LockHeldError);
    await holder.release(lease);
    const taken = await service("now").acquire("only-quitters", { leaseMs: 1000 });
    expect(taken.token).toBe(lease.token + 1);
    const record = await store.get("only-quitters");
    expect(record?.serving).toBe(record?.nextTicket);
  });

  it("with waiters giving up at random moments, everyone who waits on is served, one holder at a time (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 8 }),
        async (patientCount, quitAfter) => {
          const name = `quitters${run++}`;
          const store = new DynamoLockStore(doc, { tableName: names.locks });
          // No grace to speak of: only a line that knows who gave up can pass them.
          const service = (id: string) => new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 600_000 });
          let inside = 0;
          let maxInside = 0;
          const tokens: number[] = [];
          const hold = async (locks: LockService, lease: Lease) => {
            inside++;
            maxInside = Math.max(maxInside, inside);
            tokens.push(lease.token);
            await new Promise((resolve) => setTimeout(resolve, 2));
            inside--;
            await locks.release(lease);
          };
          const quitters = quitAfter.map(async (ms, i) => {
            const locks = service(`q${i}`);
            const lease = await locks.acquire(name, { leaseMs: 60_000, waitMs: ms }).catch((error: unknown) => {
              if (!(error instanceof LockHeldError)) throw error;
              return undefined;
            });
            if (lease) await hold(locks, lease);
          });
          const patient = Array.from({ length: patientCount }, async (_, i) => {
            const locks = service(`p${i}`);
            for (let round = 0; round < 2; round++) await hold(locks, await locks.acquire(name, { leaseMs: 60_000, waitMs: 30_000 }));
          });
          await Promise.all([...quitters, ...patient]);
          expect(maxInside).toBe(1);
          expect(strictlyIncreasing(tokens)).toBe(true);
          expect(tokens.length).toBeGreaterThanOrEqual(2 * patientCount);
        },
      ),
      { numRuns: 10 },
    );
  });

  it("a contender that does not wait takes a free lock whose line was abandoned, once the line stood still long enough", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const locks = new LockService({ store, ownerId: "impatient", skewMs: 0, queueGraceMs: 20 });
    await store.takeTicket("abandoned");
    // Another waiter that said it gave up, and one that died.
    await store.giveUp("abandoned", (await store.takeTicket("abandoned")).ticket);
    await expect(locks.acquire("abandoned", { leaseMs: 1000 })).rejects.toBeInstanceOf(LockHeldError);
    await new Promise((resolve) => setTimeout(resolve, 8 * 20 + 50));
    const lease = await locks.acquire("abandoned", { leaseMs: 1000 });
    expect(lease.token).toBe(1);
    const record = await store.get("abandoned");
    expect(record?.serving).toBe(record?.nextTicket);
    // Nothing of the old line is kept: its given-up tickets are forgotten with it.
    expect(record?.gaveUp).toBeUndefined();
  });

  it("takes over from a holder that crashed, in line order, after its lease", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const crashed = await new LockService({ store, ownerId: "crashed", skewMs: 0 }).acquire("crashed-holder", { leaseMs: 300 });
    const results = await Promise.all(
      ["x", "y", "z"].map(async (id) => {
        const w = new LockService({ store, ownerId: id, skewMs: 0, queueGraceMs: 5_000 });
        const l = await w.acquire("crashed-holder", { leaseMs: 60_000, waitMs: 60_000 });
        const at = Date.now();
        await w.release(l);
        return { token: l.token, at };
      }),
    );
    expect(Math.min(...results.map((r) => r.at))).toBeGreaterThanOrEqual(crashed.validUntil);
    expect(results.map((r) => r.token).sort()).toEqual([crashed.token + 1, crashed.token + 2, crashed.token + 3]);
  });

  it("recognises its own take when the SDK retries it after a lost response (no wait for its own lease)", async () => {
    const lossy = lossyClient((i) => i === 0);
    const locks = new LockService({ store: new DynamoLockStore(lossy.doc, { tableName: names.locks }), ownerId: "lossy", skewMs: 0 });
    const lease = await locks.acquire("lost-take", { leaseMs: 60_000 });
    expect(lossy.losses()).toBe(1);
    expect(lease.token).toBe(1);
    await locks.release(lease);
    expect(await locks.status("lost-take")).toMatchObject({ held: false, token: 1 });
  });

  it("holds every invariant when responses to takes, retakes, tickets, claims and releases are lost and retried, with and without turns (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }),
        fc.constantFrom(0, 30),
        async (contenders, rounds, lostAt, turnMs) => {
          const lossy = lossyClient((i) => lostAt.includes(i));
          // A lost release response is refused on retry (already released): count it, as the caller would see it.
          const r = await contendTolerant(`lossy${run++}`, contenders, rounds, lossy.doc, turnMs);
          expect(r.maxInside).toBe(1);
          expect(r.final).toBe(contenders * rounds);
          expect(strictlyIncreasing(r.tokens)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });
});

/** Like `contend`, but a release whose lost response made its retry look refused is not an error. */
async function contendTolerant(lockName: string, contenders: number, rounds: number, client: Doc, turnMs = 0) {
  const key = { pk: `counter#${lockName}`, sk: "value" };
  let inside = 0;
  let maxInside = 0;
  const tokens: number[] = [];
  await Promise.all(
    Array.from({ length: contenders }, async (_, id) => {
      const locks = new LockService({ store: new DynamoLockStore(client, { tableName: names.locks }), ownerId: `l${id}`, skewMs: 0, queueGraceMs: 40, turnMs });
      for (let round = 0; round < rounds; round++) {
        const lease = await locks.acquire(lockName, { leaseMs: 60_000, waitMs: 120_000 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        const current = await client.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
        const value = typeof current.Item?.value === "number" ? current.Item.value : 0;
        expect((await sendFenced(client, { put: { TableName: names.registry, Item: { ...key, value: value + 1 } } }, fenceOf(lease))).ok).toBe(true);
        tokens.push(lease.token);
        inside--;
        await locks.release(lease).catch(async (error: unknown) => {
          // Released by the first send: the lock is free at our token, or already someone else's.
          const status = await locks.status(lockName);
          if (status.holder === lease.owner && status.token === lease.token) throw error;
        });
      }
    }),
  );
  const final = await doc.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
  return { final: final.Item?.value, maxInside, tokens };
}
