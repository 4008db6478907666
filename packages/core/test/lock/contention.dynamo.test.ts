import { GetCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { sendFenced } from "../../src/aws/dynamo/index.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockService, fenceOf } from "../../src/lock/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  ({ names, doc } = await freshTables());
});

/**
 * Real concurrent contenders against DynamoDB Local. Each holder reads a shared counter
 * and writes counter+1 fenced by its token: a second holder at the same time would lose
 * an update, and an out-of-order token would be refused by the fence.
 */
async function contend(lockName: string, contenders: number, rounds: number) {
  const key = { pk: `counter#${lockName}`, sk: "value" };
  let inside = 0;
  let maxInside = 0;
  const tokensInOrder: number[] = [];
  const worker = async (id: number) => {
    const locks = new LockService({
      store: new DynamoLockStore(doc, { tableName: names.locks }),
      ownerId: `w${id}`,
      maxPollMs: 15,
      skewMs: 0,
    });
    for (let round = 0; round < rounds; round++) {
      const lease = await locks.acquire(lockName, { leaseMs: 30_000, waitMs: 120_000 });
      inside++;
      maxInside = Math.max(maxInside, inside);
      const current = await doc.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
      const value = typeof current.Item?.value === "number" ? current.Item.value : 0;
      const write = await sendFenced(
        doc,
        { put: { TableName: names.registry, Item: { ...key, value: value + 1 } } },
        fenceOf(lease),
      );
      expect(write.ok).toBe(true);
      tokensInOrder.push(lease.token);
      inside--;
      await locks.release(lease);
    }
  };
  await Promise.all(Array.from({ length: contenders }, (_, i) => worker(i)));
  const final = await doc.send(new GetCommand({ TableName: names.registry, Key: key, ConsistentRead: true }));
  return { final: final.Item?.value, maxInside, tokensInOrder };
}

describe("Lock contention on DynamoDB Local", () => {
  it("32 contenders: one holder at a time, no lost update, tokens strictly increasing", async () => {
    const { final, maxInside, tokensInOrder } = await contend("c32", 32, 3);
    expect(maxInside).toBe(1);
    expect(final).toBe(96);
    expect(tokensInOrder).toEqual(Array.from({ length: 96 }, (_, i) => i + 1));
  });

  it("holds for any number of contenders and rounds (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 1, max: 4 }), async (contenders, rounds) => {
        const { final, maxInside, tokensInOrder } = await contend(`prop${run++}`, contenders, rounds);
        expect(maxInside).toBe(1);
        expect(final).toBe(contenders * rounds);
        for (let i = 1; i < tokensInOrder.length; i++) {
          expect(tokensInOrder[i]).toBeGreaterThan(tokensInOrder[i - 1]!);
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe("Semaphore contention on DynamoDB Local", () => {
  it("never has more than N holders at once, and reaches N (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 10 }), async (permits, contenders) => {
        const name = `sem${run++}`;
        let inside = 0;
        let maxInside = 0;
        await Promise.all(
          Array.from({ length: contenders }, async (_, id) => {
            const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId: `s${id}`, maxPollMs: 15, skewMs: 0 });
            for (let round = 0; round < 2; round++) {
              const lease = await locks.acquirePermit(name, permits, { leaseMs: 30_000, waitMs: 120_000 });
              inside++;
              maxInside = Math.max(maxInside, inside);
              // First round: hold until N are inside together (or give up after a while), which
              // a semaphore must allow; later rounds just churn.
              const until = Date.now() + 5000;
              while (round === 0 && maxInside < Math.min(permits, contenders) && Date.now() < until) {
                await new Promise((resolve) => setTimeout(resolve, 2));
              }
              // ...and stay a moment with the others still polling, so an extra permit would show.
              if (round === 0) await new Promise((resolve) => setTimeout(resolve, 60));
              inside--;
              await locks.release(lease);
            }
          }),
        );
        expect(maxInside).toBeLessThanOrEqual(permits);
        expect(maxInside).toBe(Math.min(permits, contenders));
      }),
      { numRuns: 10 },
    );
  });
});
