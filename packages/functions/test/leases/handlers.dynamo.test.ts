import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ValidationError } from "@scythe/core/errors";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { type TableNames } from "@scythe/core/schema";
import { makeHandler as makeLeasesHandler } from "../../src/leases/leases.js";
import { makeHandler as makeSweepHandler } from "../../src/leases/expirySweep.js";
import { makeHandler as makeStreamHandler } from "../../src/leases/streamWorker.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { localDynamoClient } from "../../../local/src/world/clients.js";
import { startStreamPoller } from "../../../local/src/world/registryStream.js";

const context = {
  functionName: "scythe-leases",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const destroyed: string[] = [];
const blueprint: Blueprint = {
  name: "recording",
  destroy: async (resource) => {
    destroyed.push(resource.id);
    return "destroyed";
  },
};

let leases: Leases;
let names: TableNames;
let endpoint: string;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  ({ names, endpoint, doc } = await freshTables());
  leases = composeLeases({ doc, tables: names, blueprints: [blueprint], workerId: "handler-test", settings: { lockLeaseMs: 5_000 } });
});
beforeEach(() => {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const leasesHandler = makeLeasesHandler(() => leases);
const newResource = () => leases.service.createResource({ id: `r-${randomUUID().slice(0, 8)}`, kind: "host", blueprint: "recording", expireAfterIdleMs: 0 });
const itemCount = async () => (await doc.send(new ScanCommand({ TableName: names.registry, Select: "COUNT" }))).Count;

describe("Handler: leases", () => {
  it("acquires, extends and releases through the queue", async () => {
    const resource = await newResource();
    const acquired = await leasesHandler({ action: "acquire", resourceId: resource.id, holder: "ci:7", expiresInMs: 60_000 }, context);
    expect(acquired).toMatchObject({ action: "acquire", lease: { status: "active", holder: "ci:7" } });
    const leaseId = (acquired as { lease: { id: string } }).lease.id;
    const extended = await leasesHandler({ action: "extend", leaseId, author: "ci:7", expiresInMs: 120_000 }, context);
    expect(extended).toMatchObject({ result: { consumed: true, outcome: expect.stringMatching(/^extended to /) } });
    const released = await leasesHandler({ action: "release", leaseId, author: "ci:7" }, context);
    expect(released).toMatchObject({ result: { consumed: true, outcome: "released; lease destroyed" } });
    expect(destroyed).toContain(resource.id);
  });

  it.each([
    [{ action: "acquire", holder: "x" }, "resourceId"],
    [{ action: "acquire", resourceId: "r-1", holder: "x", expiresInMs: "soon" }, "expiresInMs"],
    [{ action: "release", leaseId: "l-1" }, "author"],
    [{ action: "extend", leaseId: "l-1", author: "me", expiresInMs: -1 }, "expiresInMs"],
    [{ action: "steal", leaseId: "l-1" }, "action"],
    // A misspelt field is refused, not ignored: ignored, `expiresIn` would have left a lease that never expires.
    [{ action: "acquire", resourceId: "r-1", holder: "x", expiresIn: "1h" }, "expiresIn"],
    [{ action: "extend", leaseId: "l-1", author: "me", expiresInMS: 60_000 }, "expiresInMS"],
    [{ action: "release", leaseId: "l-1", author: "me", reason: "done" }, "reason"],
  ])("refuses %j with an error naming %s, writing nothing", async (event, field) => {
    const before = await itemCount();
    const error = await leasesHandler(event as never, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(await itemCount()).toBe(before);
  });

  it("names a misspelt field with the one it was likely meant to be", async () => {
    const misspelt = await leasesHandler({ action: "extend", leaseId: "l-1", author: "me", expiresInMS: 60_000 } as never, context).catch((e: unknown) => e);
    expect((misspelt as Error).message).toBe("expiresInMS: is not a field here (did you mean expiresInMs?)");
    const unknown = await leasesHandler({ action: "release", leaseId: "l-1", author: "me", reason: "done" } as never, context).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/^reason: is not a field here \(fields: .*leaseId.*author/);
  });
});

describe("Handler: lease expiry sweep", () => {
  it("takes EventBridge's scheduled event and sweeps; dryRun on demand writes nothing", async () => {
    const sweep = makeSweepHandler(() => leases);
    const scheduled = { version: "0", id: "e-1", "detail-type": "Scheduled Event", source: "aws.events", time: new Date().toISOString(), detail: {} };
    expect(await sweep(scheduled as never, context)).toMatchObject({ dryRun: false, failures: [] });
    const before = await itemCount();
    expect(await sweep({ dryRun: true } as never, context)).toMatchObject({ dryRun: true });
    expect(await itemCount()).toBe(before);
    await expect(sweep({ dryRun: "yes" } as never, context)).rejects.toMatchObject({ field: "dryRun" });
  });
});

describe("Handler: lease stream worker", () => {
  const record = (eventName: "INSERT" | "MODIFY", pk: string, sk: string, seq: string) => ({
    eventID: seq,
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    eventSourceARN: "arn:aws:dynamodb:us-east-1:1:table/registry/stream/x",
    dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, SequenceNumber: seq, SizeBytes: 10, StreamViewType: "NEW_AND_OLD_IMAGES" },
  });
  const batch = {
    Records: [
      record("INSERT", "lease#a", "cmd#000000000001", "10"),
      record("INSERT", "lease#a", "cmd#000000000002", "11"),
      record("MODIFY", "lease#b", "cmd#000000000001", "12"),
      record("INSERT", "lease#c", "record", "13"),
      record("INSERT", "resource#d", "cmd#000000000001", "14"),
    ],
  };

  it("runs each object that got a command in the batch once, whatever its number of commands", async () => {
    const drained: string[] = [];
    const worker = { drainAll: async ([ref]: { kind: string; id: string }[]) => (drained.push(`${ref?.kind}#${ref?.id}`), [{ consumed: [1] }]) };
    const result = await makeStreamHandler(() => ({ worker }) as unknown as typeof leases)(batch as never, context);
    expect(drained).toEqual(["lease#a", "resource#d"]);
    expect(result).toEqual({ consumed: 2, batchItemFailures: [] });
  });

  it("reports every record of an object whose worker failed, so Lambda retries from its first; the others are done", async () => {
    const drained: string[] = [];
    const worker = {
      drainAll: async ([ref]: { kind: string; id: string }[]) => {
        if (ref?.id === "a") throw new Error("throttled");
        drained.push(`${ref?.kind}#${ref?.id}`);
        return [{ consumed: [1] }];
      },
    };
    const result = await makeStreamHandler(() => ({ worker }) as unknown as typeof leases)(batch as never, context);
    expect(drained).toEqual(["resource#d"]);
    expect(result).toEqual({ consumed: 1, batchItemFailures: [{ itemIdentifier: "10" }, { itemIdentifier: "11" }] });
  });

  it("runs from the table's stream: a release a holder appends acts within seconds, with no sweep", async () => {
    const stream = makeStreamHandler(() => leases);
    const dynamo = localDynamoClient(endpoint);
    const errors: unknown[] = [];
    const poller = await startStreamPoller({ endpoint, dynamo, tableName: names.registry, handler: (event) => stream(event as never, context), pollMs: 50, onError: (e) => errors.push(e) });
    try {
      const resource = await newResource();
      const lease = await leases.service.acquire({ resourceId: resource.id, holder: "ci:8" });
      const started = Date.now();
      await leases.queue.append({ kind: "lease", id: lease.id }, { command: "release", reason: "request" }, "ci:8");
      while ((await leases.registry.getResource(resource.id))?.status !== "destroyed" && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // No sweep runs here: only the stream path can have done it.
      expect((await leases.registry.getResource(resource.id))?.status).toBe("destroyed");
      expect(await leases.registry.getLease(lease.id)).toMatchObject({ status: "destroyed", releasedBy: "ci:8" });
      expect(destroyed.filter((id) => id === resource.id)).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await poller.stop();
      dynamo.destroy();
    }
  });
});
