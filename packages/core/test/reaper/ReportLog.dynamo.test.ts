import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockService, StaleTokenError } from "../../src/lock/index.js";
import { ReaperReportLog, reportLogKey } from "../../src/aws/dynamo/index.js";
import { Reaper, parseReapInput, reapWithLock, type ReapReport } from "../../src/reaper/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { MemoryPlatform, app } from "./support.js";

let tables: Awaited<ReturnType<typeof freshTables>>;
beforeAll(async () => {
  tables = await freshTables();
});

const minute = 60_000;

function machine(platform: MemoryPlatform, keep?: number) {
  const locks = new LockService({ store: new DynamoLockStore(tables.doc, { tableName: tables.names.locks }) });
  const reports = new ReaperReportLog(tables.doc, { tableName: tables.names.locks, ...(keep !== undefined && { keep }) });
  return { locks, reports, reaper: new Reaper({ platform }) };
}

describe("Class: ReaperReportLog", () => {
  it("keeps the last N passes newest first beside the lock, with a TTL, and leaves the lock itself alone", async () => {
    const now = Date.now();
    const lockName = `reaper/log-${Math.random().toString(36).slice(2, 8)}`;
    const platform = new MemoryPlatform(Array.from({ length: 5 }, (_, i) => app(`hatchet-t-${i}a`, 30 + i, now)));
    const m = machine(platform, 3);
    const tokens: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) {
      const report = await reapWithLock(m.locks, m.reaper, parseReapInput({ limit: 100 }), { lockName, reports: m.reports });
      expect(report.notRecorded).toBeUndefined();
      tokens.push(report.lock?.token ?? -1);
      const fresh = app(`hatchet-t-${pass}b`, 60, now);
      platform.apps.set(fresh.id, fresh);
    }
    const kept = await m.reports.latest(lockName);
    expect(kept.map((r) => r.lockToken)).toEqual(tokens.slice(1).reverse());
    expect(kept[0]).toMatchObject({ deleted: 1, deletedNames: ["hatchet-t-2b"], platform: "memory", errors: 0, complete: true });
    // The first pass (5 deleted) has dropped off: only the last three are kept.
    expect(kept.map((r) => r.deletedNames)).toEqual([["hatchet-t-2b"], ["hatchet-t-1b"], ["hatchet-t-0b"]]);

    const item = (await tables.doc.send(new GetCommand({ TableName: tables.names.locks, Key: { pk: reportLogKey(lockName) } }))).Item;
    expect(item?.ttl).toBeGreaterThan(now / 1000 + 29 * 86_400);
    expect(item?.fenceLock).toBe(lockName);
    // The lock is untouched by its report log: free, at the token of the last pass.
    expect(await m.locks.status(lockName)).toMatchObject({ token: tokens.at(-1) });
  });

  it("refuses a report from a pass whose lock token is older than the one that last wrote", async () => {
    const lockName = `reaper/stale-${Math.random().toString(36).slice(2, 8)}`;
    const m = machine(new MemoryPlatform());
    const newer = await reapWithLock(m.locks, m.reaper, parseReapInput({}), { lockName, reports: m.reports });
    const stale: ReapReport = { ...newer, startedAt: new Date(Date.now() - minute).toISOString() };
    await expect(m.reports.record(lockName, stale, { lock: lockName, token: (newer.lock?.token ?? 0) - 1 })).rejects.toBeInstanceOf(StaleTokenError);
    expect((await m.reports.latest(lockName)).map((r) => r.startedAt)).toEqual([newer.startedAt]);
  });

  it("records every pass exactly once when many machines reap at once", async () => {
    const lockName = `reaper/many-${Math.random().toString(36).slice(2, 8)}`;
    for (let round = 0; round < 3; round += 1) {
      const machines = Array.from({ length: 6 }, () => machine(new MemoryPlatform(), 50));
      const reports = await Promise.all(machines.map((m) => reapWithLock(m.locks, m.reaper, parseReapInput({}), { lockName, lockWaitMs: 20_000, reports: m.reports })));
      expect(reports.filter((r) => r.notRecorded !== undefined)).toEqual([]);
      const ran = reports.filter((r) => !r.lock?.skipped).map((r) => r.lock?.token);
      const kept = (await machines[0]!.reports.latest(lockName)).map((r) => r.lockToken);
      expect(kept.slice(0, ran.length).sort()).toEqual([...ran].sort());
      expect(new Set(kept).size).toBe(kept.length);
    }
  });
});
