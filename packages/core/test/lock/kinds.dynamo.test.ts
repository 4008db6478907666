import { GetCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BadInputError } from "../../src/errors.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockHeldError, LockService, type Lease } from "../../src/lock/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  ({ names, doc } = await freshTables());
});

const service = (ownerId: string, skewMs = 20) =>
  new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId, skewMs, maxPollMs: 20 });

const item = async (pk: string) =>
  (await doc.send(new GetCommand({ TableName: names.locks, Key: { pk }, ConsistentRead: true }))).Item;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Exclusive locks and semaphores share one name space: a name is one kind at a time, and a
 * semaphore has one permit count. No mix of callers may talk the lock out of either bound.
 */
describe("Lock kinds on DynamoDB Local", () => {
  it("refuses permits on a held exclusive lock, naming the lock, what it is and what was asked; nothing written", async () => {
    await service("alice").acquire("k/one", { leaseMs: 60_000 });
    const before = await item("k/one");
    const error = await service("bob").acquirePermit("k/one", 2, { leaseMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect(String((error as Error).message)).toContain('lock "k/one" is an exclusive lock (held by alice');
    expect(String((error as Error).message)).toContain("asked for a semaphore of 2 permits");
    expect(await item("k/one")).toEqual(before);
    expect(await item("k/one#0")).toBeUndefined();
    expect(await item("k/one#1")).toBeUndefined();
  });

  it("refuses an exclusive acquire of a semaphore, with or without waiting; nothing written", async () => {
    const permit = await service("alice").acquirePermit("k/two", 2, { leaseMs: 60_000 });
    const before = await item("k/two");
    for (const waitMs of [0, 200]) {
      const error = await service("bob").acquire("k/two", { leaseMs: 60_000, waitMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toContain('lock "k/two" is a semaphore of 2 permits; asked for an exclusive lock');
    }
    expect(await item("k/two")).toEqual(before);
    expect((await item(permit.name))?.holder).toBe("alice");
  });

  it("refuses a second permit count for one semaphore, even once all permits are free; nothing written", async () => {
    const lease = await service("alice").acquirePermit("k/three", 2, { leaseMs: 60_000 });
    const error = await service("bob").acquirePermit("k/three", 3, { leaseMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toContain('lock "k/three" is a semaphore of 2 permits; asked for a semaphore of 3 permits');
    expect(await item("k/three#2")).toBeUndefined();
    await service("alice").release(lease);
    // The header stays once every permit is free: the count does not change under a late caller.
    await expect(service("carol").acquirePermit("k/three", 1, { leaseMs: 60_000 })).rejects.toThrow("is a semaphore of 2 permits; asked for a semaphore of 1 permit");
    expect((await service("dave").acquirePermit("k/three", 2, { leaseMs: 60_000 })).name).toMatch(/^k\/three#[01]$/);
  });

  it("turns a free exclusive lock into a semaphore, after which exclusive acquires are refused", async () => {
    const a = service("alice");
    await a.release(await a.acquire("k/four", { leaseMs: 60_000 }));
    const permit = await service("bob").acquirePermit("k/four", 2, { leaseMs: 60_000 });
    expect(permit.name).toMatch(/^k\/four#[01]$/);
    await expect(a.acquire("k/four", { leaseMs: 60_000 })).rejects.toThrow("is a semaphore of 2 permits");
    expect(await a.status("k/four")).toMatchObject({ kind: "semaphore", permits: 2, held: false });
  });

  it("takes over a crashed holder after its lease, for a permit and for an exclusive lock", async () => {
    const crashedPermit = await service("crashed").acquirePermit("k/crash-sem", 1, { leaseMs: 300 });
    await expect(service("heir").acquirePermit("k/crash-sem", 1, { leaseMs: 10_000 })).rejects.toBeInstanceOf(LockHeldError);
    const heirPermit = await service("heir").acquirePermit("k/crash-sem", 1, { leaseMs: 10_000, waitMs: 5_000 });
    expect(heirPermit.name).toBe(crashedPermit.name);
    expect(heirPermit.token).toBeGreaterThan(crashedPermit.token);

    const crashedLock = await service("crashed").acquire("k/crash-lock", { leaseMs: 300 });
    const heirLock = await service("heir").acquire("k/crash-lock", { leaseMs: 10_000, waitMs: 5_000 });
    expect(heirLock.token).toBeGreaterThan(crashedLock.token);

    // An exclusive holder that crashed does not keep its name an exclusive lock past its lease.
    const crashedAgain = await service("crashed").acquire("k/crash-turn", { leaseMs: 300 });
    await expect(service("heir").acquirePermit("k/crash-turn", 2, { leaseMs: 10_000 })).rejects.toThrow("is an exclusive lock");
    await sleep(crashedAgain.validUntil + 20 + 50 - Date.now());
    const turned = await service("heir").acquirePermit("k/crash-turn", 2, { leaseMs: 10_000 });
    expect(turned.name).toMatch(/^k\/crash-turn#[01]$/);
    await expect(service("crashed").extend(crashedAgain)).rejects.toThrow("no longer held");
  });

  it("any mix of exclusive and permit callers: at most one exclusive holder, never beside permit holders, never more permit holders than the first count (property)", async () => {
    let run = 0;
    const caller = fc.record({
      permits: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
      waitMs: fc.constantFrom(0, 150),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(caller, { minLength: 2, maxLength: 9 }), async (callers) => {
        const name = `mix${run++}`;
        let exclusive = 0;
        let permitHolders = 0;
        let firstCount: number | undefined;
        const violations: string[] = [];
        await Promise.all(
          callers.map(async ({ permits, waitMs }, id) => {
            const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId: `m${id}`, maxPollMs: 15, skewMs: 0 });
            for (let round = 0; round < 2; round++) {
              let lease: Lease;
              try {
                lease = permits === undefined ? await locks.acquire(name, { leaseMs: 30_000, waitMs }) : await locks.acquirePermit(name, permits, { leaseMs: 30_000, waitMs });
              } catch (error) {
                if (error instanceof LockHeldError || error instanceof BadInputError) continue;
                throw error;
              }
              if (permits === undefined) {
                if (exclusive > 0) violations.push("two exclusive holders");
                if (permitHolders > 0) violations.push("an exclusive holder beside permit holders");
                exclusive++;
              } else {
                firstCount ??= permits;
                if (exclusive > 0) violations.push("permit holders beside an exclusive holder");
                permitHolders++;
                if (permitHolders > firstCount) violations.push(`${permitHolders} permit holders, first count ${firstCount}`);
              }
              // Hold a moment with the others still trying, so that a second holder would show.
              await sleep(25);
              if (permits === undefined) exclusive--;
              else permitHolders--;
              await locks.release(lease);
            }
          }),
        );
        expect(violations).toEqual([]);
        const header = await item(name);
        if (header?.kind === "semaphore") expect(header.permits).toBe(firstCount);
      }),
      { numRuns: 15 },
    );
  });
});
