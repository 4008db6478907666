import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { DynamoOwnerRecords } from "../../src/aws/dynamo/index.js";
import { type LeaseRecord } from "../../src/registry/index.js";
import { ownerPrefixOfId } from "../../src/schema/index.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { freshTables } from "../../../../test/support/dynamo.js";

const lease = (id: string): LeaseRecord => ({ id, resourceId: "r-1", holder: "ci", status: "active", version: 1, createdAt: 1, updatedAt: 1 });
const prefix = (id: string) => ownerPrefixOfId(id) as string;

describe("Class: DynamoOwnerRecords", () => {
  it("looks the cloud's owners up by key: cost follows the owners asked about, not the registry", async () => {
    const { names, endpoint } = await freshTables();
    const doc = localDocumentClient(endpoint);
    const registry = new DynamoRegistry(doc, names.registry);
    const ids = Array.from({ length: 60 }, () => randomUUID());
    for (const id of ids) await registry.createLease(lease(id));
    const meter = meterClient(doc as never);
    const owners = new DynamoOwnerRecords(doc, names.registry);
    await owners.ownerPrefixes(new Set(["00000000"])); // first use of a registry: one scan, then the index is complete
    meter.reset();

    const gone = "deadbeef";
    const asked = new Set([prefix(ids[0] ?? ""), prefix(ids[1] ?? ""), gone]);
    expect(await owners.ownerPrefixes(asked)).toEqual(new Set([prefix(ids[0] ?? ""), prefix(ids[1] ?? "")]));
    expect(meter.reading().byCommand).toEqual({ BatchGetItemCommand: 1 });
  });

  it("backfills a registry whose records predate the owner index, so their cloud resources are never taken for orphans", async () => {
    const { names, endpoint } = await freshTables();
    const doc = localDocumentClient(endpoint);
    const legacy = randomUUID();
    // Written as the code before the owner index wrote records: no marker.
    await doc.send(new PutCommand({ TableName: names.registry, Item: { pk: `lease#${legacy}`, sk: "record", type: "lease", ...lease(legacy) } }));
    const meter = meterClient(doc as never);
    const owners = new DynamoOwnerRecords(doc, names.registry);

    expect(await owners.ownerPrefixes(new Set([prefix(legacy)]))).toEqual(new Set([prefix(legacy)]));
    expect(meter.reading().byCommand).toMatchObject({ ScanCommand: 1 });
    meter.reset();
    expect(await owners.ownerPrefixes(new Set([prefix(legacy), "deadbeef"]))).toEqual(new Set([prefix(legacy)]));
    expect(meter.reading().byCommand).toEqual({ BatchGetItemCommand: 1 });
  });

  it("answers the backfilling call as every later one: only the owners asked about that exist", async () => {
    const { names, endpoint } = await freshTables();
    const doc = localDocumentClient(endpoint);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await doc.send(new PutCommand({ TableName: names.registry, Item: { pk: `lease#${id}`, sk: "record", type: "lease", ...lease(id) } }));
    const owners = new DynamoOwnerRecords(doc, names.registry);
    const asked = new Set([prefix(ids[0] ?? ""), "deadbeef"]);

    const first = await owners.ownerPrefixes(asked);
    const second = await owners.ownerPrefixes(asked);
    expect(first).toEqual(new Set([prefix(ids[0] ?? "")]));
    expect(second).toEqual(first);
  });

  it("finds a record created after the cloud was listed: its marker is written before it", async () => {
    const { names, endpoint } = await freshTables();
    const doc = localDocumentClient(endpoint);
    const owners = new DynamoOwnerRecords(doc, names.registry);
    await owners.ownerPrefixes(new Set());
    const id = randomUUID();
    await new DynamoRegistry(doc, names.registry).createLease(lease(id));
    expect(await owners.ownerPrefixes(new Set([prefix(id)]))).toEqual(new Set([prefix(id)]));
  });
});
