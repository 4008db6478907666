import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { Update, absent, sendFenced } from "../../src/aws/dynamo/index.js";
import { StorageUnavailableError, ValidationError } from "../../src/errors.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockHeldError, LockLostError, LockService, StaleTokenError, fenceOf } from "../../src/lock/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

const service = (ownerId: string, skewMs = 20) =>
  new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId, skewMs, maxPollMs: 20 });

beforeAll(async () => {
  ({ names, doc } = await freshTables());
});

describe("Class: LockService on DynamoDB Local", () => {
  describe("Method: acquire / release", () => {
    it("hands out a token that keeps growing across releases", async () => {
      const a = service("a");
      const first = await a.acquire("grow", { leaseMs: 10_000 });
      await a.release(first);
      const second = await a.acquire("grow", { leaseMs: 10_000 });
      await a.release(second);
      const third = await service("b").acquire("grow", { leaseMs: 10_000 });
      expect([first.token, second.token, third.token]).toEqual([1, 2, 3]);
      expect(await a.status("grow")).toMatchObject({ held: true, holder: "b", token: 3 });
    });

    it("refuses a held lock with LockHeldError naming the holder", async () => {
      await service("a").acquire("held", { leaseMs: 10_000 });
      const error = await service("b").acquire("held", { leaseMs: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockHeldError);
      expect(error).toMatchObject({ holder: "a", lockName: "held" });
    });

    it("refuses release and extend by a non-holder", async () => {
      const a = service("a");
      const lease = await a.acquire("mine", { leaseMs: 10_000 });
      const impostor = { ...lease, owner: "b" };
      await expect(service("b").release(impostor)).rejects.toBeInstanceOf(LockLostError);
      await expect(service("b").release(impostor)).rejects.toThrow(`lock "mine" (token ${lease.token}) is not held by b: it is held by a with token ${lease.token}`);
      await expect(service("b").extend(impostor)).rejects.toBeInstanceOf(LockLostError);
      await expect(a.release({ ...lease, token: lease.token - 1 })).rejects.toBeInstanceOf(LockLostError);
      expect(await a.status("mine")).toMatchObject({ held: true, holder: "a" });
    });
  });

  describe("Takeover after a crashed holder", () => {
    it("is refused while the lease runs and granted after it, with a higher token", async () => {
      const crashed = await service("crashed").acquire("crash", { leaseMs: 400 });
      await expect(service("heir").acquire("crash", { leaseMs: 10_000 })).rejects.toBeInstanceOf(LockHeldError);
      const heir = await service("heir").acquire("crash", { leaseMs: 10_000, waitMs: 5_000 });
      const takenAt = Date.now();
      expect(takenAt).toBeGreaterThanOrEqual(crashed.validUntil);
      expect(heir.token).toBeGreaterThan(crashed.token);
      // The crashed holder, if it wakes up, can neither extend nor release.
      await expect(service("crashed").extend(crashed)).rejects.toBeInstanceOf(LockLostError);
      await expect(service("crashed").release(crashed)).rejects.toBeInstanceOf(LockLostError);
    });
  });

  describe("Fenced writes", () => {
    it("rejects a write from a paused ex-holder once its successor has written", async () => {
      const key = { pk: "fenced", sk: "counter" };
      const old = await service("old").acquire("fence", { leaseMs: 300 });
      await sendFenced(doc, { put: { TableName: names.registry, Item: { ...key, value: "old-1" } } }, fenceOf(old));
      const successor = await service("new").acquire("fence", { leaseMs: 10_000, waitMs: 5_000 });
      await sendFenced(doc, { put: { TableName: names.registry, Item: { ...key, value: "new-1" } } }, fenceOf(successor));
      const stale = await sendFenced(
        doc,
        { update: { TableName: names.registry, Key: key, update: new Update().set("value", "old-2") } },
        fenceOf(old),
      ).catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(StaleTokenError);
      const item = await doc.send(new GetCommand({ TableName: names.registry, Key: key }));
      expect(item.Item).toMatchObject({ value: "new-1", fenceToken: successor.token });
    });

    it("returns the caller's own failed condition as a value, not a stale-token error", async () => {
      const lease = await service("c").acquire("fence-own", { leaseMs: 10_000 });
      const put = { TableName: names.registry, Item: { pk: "own", sk: "x" }, condition: absent };
      expect(await sendFenced(doc, { put }, fenceOf(lease))).toEqual({ ok: true });
      expect(await sendFenced(doc, { put }, fenceOf(lease))).toMatchObject({ ok: false, item: { pk: "own" } });
    });
  });

  describe("Semaphore", () => {
    it("grants exactly N permits, and one more after a release", async () => {
      const holders = await Promise.all(["p1", "p2", "p3"].map((o) => service(o).acquirePermit("sem", 3, { leaseMs: 10_000 })));
      expect(new Set(holders.map((l) => l.name)).size).toBe(3);
      await expect(service("p4").acquirePermit("sem", 3, { leaseMs: 10_000 })).rejects.toBeInstanceOf(LockHeldError);
      await service("p2").release(holders[1]!);
      const fourth = await service("p4").acquirePermit("sem", 3, { leaseMs: 10_000 });
      expect(fourth.name).toBe(holders[1]!.name);
      expect(fourth.token).toBe(holders[1]!.token + 1);
    });
  });

  describe("Bad input", () => {
    it.each([
      ["", 1000, "name"],
      ["x".repeat(201), 1000, "name"],
      ["has space", 1000, "name"],
      ["ok", 0, "leaseMs"],
      ["ok", -5, "leaseMs"],
      ["ok", 1.5, "leaseMs"],
    ])("refuses name %j lease %j naming %s, writing nothing", async (name, leaseMs, field) => {
      const { names: own, doc: ownDoc } = await freshTables();
      const locks = new LockService({ store: new DynamoLockStore(ownDoc, { tableName: own.locks }) });
      const error = await locks.acquire(name, { leaseMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      const scan = await ownDoc.send(new ScanCommand({ TableName: own.locks }));
      expect(scan.Count).toBe(0);
    });

    it("refuses fewer than one permit", async () => {
      const error = await service("a").acquirePermit("sem-bad", 0, { leaseMs: 1000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ValidationError", field: "permits" });
    });
  });

  describe("Storage trouble", () => {
    it("reports an unreachable DynamoDB as StorageUnavailableError, not as a held lock", async () => {
      const dead = localDocumentClient("http://127.0.0.1:9");
      const locks = new LockService({ store: new DynamoLockStore(dead, { tableName: "Locks" }) });
      await expect(locks.acquire("any", { leaseMs: 1000 })).rejects.toBeInstanceOf(StorageUnavailableError);
    });

    it("reports a missing table as StorageUnavailableError", async () => {
      const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: "no-such-table" }) });
      await expect(locks.acquire("any", { leaseMs: 1000 })).rejects.toBeInstanceOf(StorageUnavailableError);
    });
  });

  describe("Cost", () => {
    it("acquires uncontended with one write and no read, and releases with one write", async () => {
      const { names: own, client } = await freshTables();
      const meter = meterClient(client);
      const { DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
      const locks = new LockService({ store: new DynamoLockStore(DynamoDBDocumentClient.from(client), { tableName: own.locks }) });
      const lease = await locks.acquire("cost", { leaseMs: 10_000 });
      expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
      meter.reset();
      await locks.release(lease);
      expect(meter.reading().byCommand).toEqual({ UpdateItemCommand: 1 });
      expect(meter.reading().readCapacity).toBe(0);
    });
  });
});
