import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type GetCommandInput,
  type PutCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import LockClient from "dynamodb-lock-client";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockLostError, LockService, type LockStore } from "@scythe/core/lock";
import { meterClient } from "../src/world/meter.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * Scythe's lock against the npm package dynamodb-lock-client (FailOpen, fencing tokens),
 * on the same DynamoDB Local in the same process: cost per operation from
 * ReturnConsumedCapacity, and contended throughput as a ratio to the baseline.
 */
const leaseMs = 1000;
/** One window's length (ms); `LOCK_WINDOW_MS` to try another. */
const windowMs = Number(process.env.LOCK_WINDOW_MS ?? 2500);
/** Rounds of A B C C B A per contender count; `LOCK_ROUNDS` to try another. Each round gives two adjacent turns/baseline pairs. */
const rounds = Number(process.env.LOCK_ROUNDS ?? 4);
/**
 * DynamoDB Local's warm-up before measuring (ms, every library at every count); `LOCK_WARMUP_MS` to try another.
 * With 4.5 s, requests in the first block measured (2 contenders) still got 2-4x faster from its first window to its
 * last (the JIT), which moved the ratio of adjacent windows by more than the libraries differ.
 */
const warmUpMs = Number(process.env.LOCK_WARMUP_MS ?? 18_000);
/** Contender counts measured; `LOCK_CONTENDERS=2,8` to try others. */
const contenderCounts = (process.env.LOCK_CONTENDERS ?? "2,8,32").split(",").map(Number);

type Acquire = (name: string) => Promise<() => Promise<void>>;

/** The SDK v2 DocumentClient shape the baseline expects, over the v3 document client. */
function v2Shim(doc: DynamoDBDocumentClient, profile: Profile) {
  type Callback = (error: unknown, data?: unknown) => void;
  const settle = (kind: string, promise: Promise<unknown>, callback: Callback) => {
    const start = performance.now();
    promise.then(
      (data) => {
        profile.count(kind, performance.now() - start);
        callback(null, data);
      },
      (error: Error & { code?: string }) => {
        profile.count(`${kind} refused`, performance.now() - start);
        error.code = error.name;
        callback(error);
      },
    );
  };
  return {
    get: (p: GetCommandInput, cb: Callback) => settle("get", doc.send(new GetCommand(p)), cb),
    put: (p: PutCommandInput, cb: Callback) => settle("put", doc.send(new PutCommand(p)), cb),
    delete: (p: DeleteCommandInput, cb: Callback) => settle("delete", doc.send(new DeleteCommand(p)), cb),
  };
}

/** Where an acquisition's requests and time go: calls per kind (refused ones apart) and ms spent in them. */
class Profile {
  calls: Record<string, number> = {};
  ms: Record<string, number> = {};
  reset(): void {
    this.calls = {};
    this.ms = {};
  }
  count(kind: string, ms: number): void {
    this.calls[kind] = (this.calls[kind] ?? 0) + 1;
    this.ms[kind] = (this.ms[kind] ?? 0) + ms;
  }
}

function profiled(store: LockStore, profile: Profile): LockStore {
  const timed = <T>(kind: (result: T) => string, call: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    return call().then((result) => {
      profile.count(kind(result), performance.now() - start);
      return result;
    });
  };
  const taken = (name: string) => (o: { acquired: boolean }) => (o.acquired ? name : `${name} refused`);
  const { takeTicket, claim, giveUp, retake } = store;
  return {
    acquire: (...a) => timed(taken("acquire"), () => store.acquire(...a)),
    extend: (...a) => timed(() => "extend", () => store.extend(...a)),
    release: (...a) => timed(() => "release", () => store.release(...a)),
    get: (...a) => timed(() => "get", () => store.get(...a)),
    declareSemaphore: (...a) => timed(() => "declare", () => store.declareSemaphore(...a)),
    ...(takeTicket && { takeTicket: (name: string) => timed(() => "ticket", () => takeTicket.call(store, name)) }),
    ...(claim && { claim: (...a: Parameters<typeof claim>) => timed(taken("claim"), () => claim.call(store, ...a)) }),
    ...(giveUp && { giveUp: (name: string, t: number) => timed(() => "giveUp", () => giveUp.call(store, name, t)) }),
    ...(retake && { retake: (...a: Parameters<typeof retake>) => timed(taken("retake"), () => retake.call(store, ...a)) }),
  };
}

const profile = new Profile();

/** The turn the "scythe, turns" rows use (LockServiceOptions.turnMs); `LOCK_TURN_MS` to try another. */
const turnMs = Number(process.env.LOCK_TURN_MS ?? 25);

function scytheAcquirer(doc: DynamoDBDocumentClient, tableName: string, owner: string, turnMs = 0): Acquire {
  const locks = new LockService({ store: profiled(new DynamoLockStore(doc, { tableName }), profile), ownerId: owner, skewMs: 50, turnMs });
  return async (name) => {
    const lease = await locks.acquire(name, { leaseMs, waitMs: 60_000 });
    return () => locks.release(lease);
  };
}

function baselineAcquirer(doc: DynamoDBDocumentClient, tableName: string, owner: string): Acquire {
  const client = new LockClient.FailOpen({
    dynamodb: v2Shim(doc, profile),
    lockTable: tableName,
    partitionKey: "pk",
    leaseDurationMs: leaseMs,
    owner,
    // Its own retry, as a user would configure it: it waits out the lease between tries.
    retryCount: 100,
    trustLocalTime: true,
  });
  return async (name) => {
    for (;;) {
      const lock = await new Promise<{ release: (cb: (e?: Error | null) => void) => void } | undefined>((resolve, reject) =>
        client.acquireLock(name, (error, acquired) => {
          if (error?.code === "FailedToAcquireLock") resolve(undefined);
          else if (error) reject(error);
          else resolve(acquired);
        }),
      );
      if (lock) return () => new Promise<void>((resolve, reject) => lock.release((e) => (e ? reject(e) : resolve())));
    }
  };
}

async function costPerOperation(make: (owner: string) => Acquire, meter: ReturnType<typeof meterClient>, name: string) {
  const acquire = make("solo");
  meter.reset();
  const release = await acquire(name);
  const acquired = meter.reading();
  meter.reset();
  await release();
  const released = meter.reading();
  return { acquired, released };
}

/**
 * CPU time (s) since boot: the whole machine's busy time (all cores, from /proc/stat), this process's and
 * DynamoDB Local's (from /proc/<pid>/stat); NaN where /proc cannot be read. Over a window, the machine's
 * busy time less ours and Local's is what other work on this shared machine took.
 */
function cpuNow(javaPid: number | undefined): { machine: number; node: number; java: number } {
  const ticks = 100;
  let machine = Number.NaN;
  let java = Number.NaN;
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    machine = cpu.slice(0, 8).reduce((a, b, i) => (i === 3 || i === 4 ? a : a + b), 0) / ticks;
  } catch { /* not Linux */ }
  try {
    const fields = readFileSync(`/proc/${javaPid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    java = (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch { /* not Linux */ }
  const own = process.cpuUsage();
  return { machine, node: (own.user + own.system) / 1e6, java };
}

/** What the machine's CPU did over one window, in cores (2 = both of a 2-core machine busy). */
interface CpuShare {
  others: number;
  node: number;
  java: number;
}

/** Consecutive takes: by the same owner (a turn, or the baseline's holder taking again) or by another (a hand-over). */
interface Takes {
  /** Sum and count of ms between two takes by the same owner, and between takes by different owners. */
  againMs: number;
  again: number;
  handOverMs: number;
  handOvers: number;
}

/** What one window of contention saw: raw counts, merged over the windows of one library and summarised. */
interface Window {
  served: number[];
  waits: number[];
  /** Every acquisition, also those finished after the window (their requests are metered too). */
  acquisitions: number;
  requests: number;
  calls: Record<string, number>;
  ms: Record<string, number>;
  /** Releases refused because the lease had run out and someone else took the lock over. */
  lost: number;
  elapsedMs: number;
  cpu: CpuShare;
  takes: Takes;
}

interface Contention {
  perSecond: number;
  /** Acquisitions of the least-served contender over the mean. */
  fairness: number;
  served: number[];
  p99WaitMs: number;
  maxWaitMs: number;
  requestsPerAcquisition: number;
  /** Per acquisition: calls of each kind (refused ones apart), and ms in requests of each kind. */
  perKind: Record<string, { calls: number; ms: number }>;
  lost: number;
  /** Per acquisition, ms from asking to holding, and how much of it was spent in requests (the rest: asleep or queued in Node). */
  waitMs: number;
  waitInRequestsMs: number;
  takes: Takes;
}

async function window(make: (owner: string) => Acquire, contenders: number, name: string, meter: ReturnType<typeof meterClient>, windowMs: number, javaPid?: number): Promise<Window> {
  const served = Array.from({ length: contenders }, () => 0);
  let acquisitions = 0;
  let lost = 0;
  const waits: number[] = [];
  const takes: { owner: number; at: number }[] = [];
  const deadline = Date.now() + windowMs;
  const started = Date.now();
  const cpuBefore = cpuNow(javaPid);
  meter.reset();
  profile.reset();
  await Promise.all(
    Array.from({ length: contenders }, async (_, i) => {
      const acquire = make(`c${i}`);
      while (Date.now() < deadline) {
        const asked = Date.now();
        const release = await acquire(name);
        takes.push({ owner: i, at: performance.now() });
        acquisitions += 1;
        if (Date.now() <= deadline) {
          served[i] = (served[i] ?? 0) + 1;
          waits.push(Date.now() - asked);
        }
        // Under heavy load a release can land after the 1 s lease ran out and the next waiter took
        // over (as it should): counted, not fatal.
        await release().catch((error: unknown) => {
          if (!(error instanceof LockLostError)) throw error;
          lost += 1;
        });
      }
    }),
  );
  const elapsedMs = Math.min(Date.now(), deadline) - started;
  const cpuAfter = cpuNow(javaPid);
  const seconds = (Date.now() - started) / 1000;
  const node = (cpuAfter.node - cpuBefore.node) / seconds;
  const java = (cpuAfter.java - cpuBefore.java) / seconds;
  const cpu = { node, java, others: (cpuAfter.machine - cpuBefore.machine) / seconds - node - java };
  return {
    served, waits, acquisitions, lost, requests: meter.reading().requests,
    calls: { ...profile.calls }, ms: { ...profile.ms }, elapsedMs, cpu, takes: consecutive(takes),
  };
}

function consecutive(takes: readonly { owner: number; at: number }[]): Takes {
  const t: Takes = { againMs: 0, again: 0, handOverMs: 0, handOvers: 0 };
  for (let i = 1; i < takes.length; i++) {
    const [a, b] = [takes[i - 1], takes[i]];
    if (!a || !b) continue;
    if (a.owner === b.owner) {
      t.againMs += b.at - a.at;
      t.again += 1;
    } else {
      t.handOverMs += b.at - a.at;
      t.handOvers += 1;
    }
  }
  return t;
}

function merge(windows: Window[]): Window {
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
    return a;
  };
  return windows.reduce((m, w) => ({
    served: m.served.map((n, i) => n + (w.served[i] ?? 0)),
    waits: [...m.waits, ...w.waits],
    acquisitions: m.acquisitions + w.acquisitions,
    requests: m.requests + w.requests,
    calls: add({ ...m.calls }, w.calls),
    ms: add({ ...m.ms }, w.ms),
    lost: m.lost + w.lost,
    elapsedMs: m.elapsedMs + w.elapsedMs,
    cpu: { others: m.cpu.others + w.cpu.others, node: m.cpu.node + w.cpu.node, java: m.cpu.java + w.cpu.java },
    takes: {
      againMs: m.takes.againMs + w.takes.againMs, again: m.takes.again + w.takes.again,
      handOverMs: m.takes.handOverMs + w.takes.handOverMs, handOvers: m.takes.handOvers + w.takes.handOvers,
    },
  }));
}

function summarise(w: Window): Contention {
  const n = Math.max(1, w.acquisitions);
  const perKind = Object.fromEntries(Object.entries(w.calls).map(([k, c]) => [k, { calls: c / n, ms: (w.ms[k] ?? 0) / n }]));
  const releaseKinds = new Set(["release", "put", "delete"]);
  const waitInRequestsMs = Object.entries(w.ms).filter(([k]) => !releaseKinds.has(k)).reduce((a, [, ms]) => a + ms, 0) / n;
  const total = w.served.reduce((a, b) => a + b, 0);
  const mean = total / w.served.length;
  const sorted = [...w.waits].sort((a, b) => a - b);
  return {
    perSecond: total / (w.elapsedMs / 1000),
    fairness: mean === 0 ? 0 : Math.min(...w.served) / mean,
    served: w.served,
    p99WaitMs: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    maxWaitMs: sorted[sorted.length - 1] ?? 0,
    // Every request (acquire attempts, tickets, claims, releases) over every acquisition.
    requestsPerAcquisition: w.acquisitions === 0 ? Number.POSITIVE_INFINITY : w.requests / w.acquisitions,
    perKind,
    lost: w.lost,
    waitMs: w.waits.reduce((a, b) => a + b, 0) / Math.max(1, w.waits.length),
    waitInRequestsMs,
    takes: w.takes,
  };
}

/**
 * The libraries in alternating windows, rounds of A B C C B A, so that a load that rises or falls
 * during the run (this machine is shared) weighs on all alike instead of on whichever ran last.
 * Returns each library's windows in the order they ran.
 */
async function throughputAll(makers: readonly ((owner: string) => Acquire)[], contenders: number, name: string, meter: ReturnType<typeof meterClient>, javaPid?: number): Promise<Window[][]> {
  const windows = makers.map((make) => ({ make, seen: [] as Window[] }));
  const order = [...windows, ...[...windows].reverse()];
  for (let round = 0; round < rounds; round++) {
    for (const [i, w] of order.entries()) w.seen.push(await window(w.make, contenders, `${name}-${round}-${i}`, meter, windowMs, javaPid));
  }
  return windows.map((w) => w.seen);
}

const perSecond = (w: Window) => w.served.reduce((a, b) => a + b, 0) / (w.elapsedMs / 1000);

/**
 * Ratios of one library's windows to the other's, each window against the one next to it in time
 * (in A B C C B A, B and C run back to back twice a round): how much the ratio moves from window to window.
 */
function pairedRatios(ours: readonly Window[], theirs: readonly Window[]): number[] {
  return ours.map((w, i) => perSecond(w) / perSecond(theirs[i] ?? w));
}

function spread(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

export async function run(): Promise<void> {
  const world = await benchDynamo("bench-lock-");
  try {
    const meter = meterClient(world.client);
    const tableName = world.names.locks;
    const scythe = (owner: string) => scytheAcquirer(world.doc, tableName, owner);
    const scytheTurns = (owner: string) => scytheAcquirer(world.doc, tableName, owner, turnMs);
    const baseline = (owner: string) => baselineAcquirer(world.doc, tableName, owner);

    console.log(`Cost of one uncontended acquire and one release (DynamoDB Local, ReturnConsumedCapacity=TOTAL):`);
    const s = await costPerOperation(scythe, meter, "cost-scythe");
    const b = await costPerOperation(baseline, meter, "cost-baseline");
    const fmt = (r: { requests: number; readCapacity: number; writeCapacity: number; byCommand: Record<string, number> }) =>
      `${r.requests} req (${Object.entries(r.byCommand).map(([c, n]) => `${n} ${c.replace("Command", "")}`).join(", ")}), ${r.readCapacity} RCU, ${r.writeCapacity} WCU`;
    table([
      { library: "scythe", acquire: fmt(s.acquired), release: fmt(s.released) },
      { library: "dynamodb-lock-client", acquire: fmt(b.acquired), release: fmt(b.released) },
    ]);

    console.log(`\nContended: ${rounds} rounds of windows of ${windowMs} ms alternating A B C C B A (so ${2 * rounds} windows, ${(2 * rounds * windowMs) / 1000} s, per library),`);
    console.log(`"scythe" = the default strict line, "scythe, turns" = turnMs ${turnMs} (a holder takes again past the line within its turn),`);
    console.log(`lease ${leaseMs} ms, one lock name per window; fairness = least-served contender / mean;`);
    console.log(`requests = every request in the window (acquires, tickets, claims, releases) per acquisition; wait = from asking to holding.`);
    // DynamoDB Local's JIT warms up on the first few thousand requests: without this, whichever
    // library runs first is measured on a colder server (the 2-contender row ran 2-3x slower first).
    const warmUp = [["scythe", scythe], ["turns", scytheTurns], ["baseline", baseline]] as const;
    const warmUpCounts = [2, 8, 32];
    for (const contenders of warmUpCounts) {
      for (const [label, make] of warmUp) await window(make, contenders, `warm-up-${label}-${contenders}`, meter, warmUpMs / (warmUp.length * warmUpCounts.length), world.pid);
    }
    const rows = [];
    const where: Record<string, string | number>[] = [];
    const ratios: Record<string, string | number>[] = [];
    const windows: Record<string, string | number>[] = [];
    const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
    for (const contenders of contenderCounts) {
      const loadBefore = load();
      const seen = (await throughputAll([scythe, scytheTurns, baseline], contenders, `tp-${contenders}`, meter, world.pid)) as [Window[], Window[], Window[]];
      const [ours, turns, theirs] = seen.map((w) => summarise(merge(w))) as [Contention, Contention, Contention];
      for (const [library, r] of [["scythe", ours], ["scythe, turns", turns], ["dynamodb-lock-client", theirs]] as const) {
        rows.push({
          contenders,
          library,
          "acq/s": r.perSecond.toFixed(1),
          fairness: r.fairness.toFixed(2),
          "unserved contenders": r.served.filter((n) => n === 0).length,
          "requests/acq": r.requestsPerAcquisition.toFixed(2),
          "p99 wait ms": r.p99WaitMs,
          "max wait ms": r.maxWaitMs,
          "leases run out": r.lost,
        });
        const kinds = Object.entries(r.perKind).sort(([a], [b]) => a.localeCompare(b));
        const t = r.takes;
        where.push({
          contenders,
          library,
          "per acquisition: calls (mean ms each)": kinds.map(([k, v]) => `${v.calls.toFixed(2)} ${k} (${(v.ms / v.calls).toFixed(1)})`).join(", "),
          "wait ms": r.waitMs.toFixed(1),
          "in requests": r.waitInRequestsMs.toFixed(1),
          "asleep/queued": (r.waitMs - r.waitInRequestsMs).toFixed(1),
          "takes a run": (t.handOvers === 0 ? Number.POSITIVE_INFINITY : (t.again + t.handOvers) / t.handOvers).toFixed(2),
          "ms between own takes": (t.againMs / Math.max(1, t.again)).toFixed(1),
          "ms a hand-over": (t.handOverMs / Math.max(1, t.handOvers)).toFixed(1),
        });
      }
      for (const [label, mine] of [["scythe", seen[0]], ["scythe, turns", seen[1]]] as const) {
        const r = spread(pairedRatios(mine, seen[2]));
        ratios.push({
          contenders,
          "library / baseline": label,
          "all windows": ratio(label === "scythe" ? ours.perSecond : turns.perSecond, theirs.perSecond),
          "per window pair: median": `${r.median.toFixed(2)}x`,
          min: `${r.min.toFixed(2)}x`,
          max: `${r.max.toFixed(2)}x`,
          pairs: mine.length,
          "load average before / after": `${loadBefore} / ${load()}`,
        });
      }
      for (const [library, list] of [["scythe", seen[0]], ["scythe, turns", seen[1]], ["dynamodb-lock-client", seen[2]]] as const) {
        for (const [i, w] of list.entries()) {
          const calls = Object.values(w.calls).reduce((a, b) => a + b, 0);
          const ms = Object.values(w.ms).reduce((a, b) => a + b, 0);
          windows.push({
            contenders, window: i, library, "acq/s": perSecond(w).toFixed(1),
            "ms a request": (ms / Math.max(1, calls)).toFixed(2),
            "others' CPU (cores)": w.cpu.others.toFixed(2), "node": w.cpu.node.toFixed(2), "DynamoDB Local": w.cpu.java.toFixed(2),
            "takes a run": ((w.takes.again + w.takes.handOvers) / Math.max(1, w.takes.handOvers)).toFixed(2),
            "ms a hand-over": (w.takes.handOverMs / Math.max(1, w.takes.handOvers)).toFixed(1),
          });
        }
      }
    }
    table(rows);
    console.log(`\nThroughput ratios to the baseline: over all windows, and per pair of adjacent windows (median, min, max):`);
    table(ratios);
    console.log(`\nWhere requests and time go (per acquisition; "refused" = a conditional write that failed; wait = asking to holding,`);
    console.log(`split into time inside the lock's requests and the rest, asleep or queued behind other callbacks in this process;`);
    console.log(`a run = consecutive takes by one owner, a hand-over = from one owner's take to the next owner's):`);
    table(where);
    if (process.env.LOCK_VERBOSE === "1") {
      console.log(`\nEach window (CPU in cores over the window: others' = the machine's busy time less this process's and DynamoDB Local's):`);
      table(windows);
    }
  } finally {
    await world.stop();
  }
}
