import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { locksTable, registryTable } from "../../packages/core/src/schema/tables.js";
import { Storage } from "../../stacks/Storage.js";
import { isDevelopmentStage } from "../../stacks/tableProps.js";
import { iamActions, synth } from "../support/stacks.js";

let template: Template;

beforeAll(async () => {
  template = await synth(Storage, "prod");
});

const tableWithKey = (key: object) =>
  Object.values(template.findResources("AWS::DynamoDB::Table", { Properties: { KeySchema: key } }));

describe("Stack: Storage", () => {
  it("creates the lock table with the shared key schema, on demand, with point-in-time recovery", () => {
    const [locks, ...others] = tableWithKey([{ AttributeName: locksTable.partitionKey.name, KeyType: "HASH" }]);
    expect(others).toHaveLength(0);
    expect(locks?.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // Only the reaper's report log carries `ttl`; lock items never do.
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
    });
  });

  it("creates the registry with its sparse expiry and deletion indexes, a stream and TTL", () => {
    const [registry] = tableWithKey([
      { AttributeName: registryTable.partitionKey.name, KeyType: "HASH" },
      { AttributeName: registryTable.sortKey.name, KeyType: "RANGE" },
    ]);
    const index = registryTable.indexes[0];
    expect(registry?.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            { AttributeName: index.sortKey.name, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["resourceId", "blueprint"] },
        },
        {
          IndexName: "byDeletion",
          KeySchema: [{ AttributeName: "deletionShard", KeyType: "HASH" }],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    });
  });

  it("retains both tables on a non-development stage", () => {
    const tables = Object.values(template.findResources("AWS::DynamoDB::Table"));
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(table).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("lets a development stage delete its tables", async () => {
    const tables = Object.values((await synth(Storage, "dev")).findResources("AWS::DynamoDB::Table"));
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(table).toMatchObject({ DeletionPolicy: "Delete" });
  });

  it("grants no IAM action with a wildcard", () => {
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
  });

  it.each([
    ["dev", true],
    ["local", true],
    ["pr-42", true],
    ["dev-alice", true],
    ["prod", false],
    ["staging", false],
    ["test", false],
    ["devops", false],
  ])("treats stage %s as development: %s", (stage, expected) => {
    expect(isDevelopmentStage(stage)).toBe(expected);
  });
});
