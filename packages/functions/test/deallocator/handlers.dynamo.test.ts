import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { deallocatorFrom } from "../../src/deallocator/deps.js";
import { makeHandler as makeReconcile } from "../../src/deallocator/reconcile.js";
import { makeHandler as makeStream } from "../../src/deallocator/stream.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { localDynamoClient } from "../../../local/src/world/clients.js";
import { startStreamPoller } from "../../../local/src/world/registryStream.js";

const context = { functionName: "deallocator", awsRequestId: "r", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

async function world() {
  const { doc, names, endpoint } = await freshTables();
  const destroyed: string[] = [];
  const blueprint: Blueprint = {
    name: "recording",
    destroy: async (resource) => {
      destroyed.push(resource.id);
      return "destroyed";
    },
  };
  const leases = composeLeases({ doc, tables: names, blueprints: [blueprint] });
  const deallocator = deallocatorFrom(leases);
  const resource = (id: string, references: string[] = []) => leases.service.createResource({ id, kind: "service", blueprint: "recording", references });
  return { doc, names, endpoint, leases, deallocator, destroyed, resource };
}

describe("Handler: deallocator reconcile", () => {
  it("accepts the payload from a schedule, a person, or SST's deploy-time Script", async () => {
    const { leases, deallocator, destroyed, resource } = await world();
    await resource("net-a");
    await leases.service.markDelete({ resourceId: "net-a" });
    const handler = makeReconcile(() => deallocator);
    expect((await handler({ params: { dryRun: true } }, context)).nominated).toEqual(["net-a"]);
    expect(destroyed).toEqual([]);
    expect((await handler({}, context)).destroyed).toEqual(["net-a"]);
    expect(destroyed).toEqual(["net-a"]);
  });

  it.each([[{ dryrun: true }, "dryrun"], [{ params: { dryRun: 1 } }, "dryRun"], [{ params: {}, extra: 1 }, "params"], [{ dryRun: "no" }, "dryRun"]])(
    "refuses %j before anything runs",
    async (payload, field) => {
      const { leases, deallocator, destroyed, resource } = await world();
      await resource("net-b");
      await leases.service.markDelete({ resourceId: "net-b" });
      const error = await makeReconcile(() => deallocator)(payload as never, context).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ValidationError" });
      expect((error as { field: string }).field).toBe(field);
      expect(destroyed).toEqual([]);
    },
  );
});

describe("Handler: deallocator stream (through the registry's stream in DynamoDB Local)", () => {
  it("destroys a marked service when its last task ends, then its marked network", async () => {
    const { leases, deallocator, destroyed, resource, endpoint, names } = await world();
    const errors: unknown[] = [];
    const stream = makeStream(() => deallocator);
    const poller = await startStreamPoller({ endpoint, dynamo: localDynamoClient(endpoint), tableName: names.registry, handler: (e) => stream(e as never, context), pollMs: 50, onError: (e) => errors.push(e) });
    try {
      await resource("net");
      await resource("svc", ["net"]);
      const task = await leases.service.acquire({ resourceId: "svc", holder: "ci" });
      await leases.service.markDelete({ resourceId: "svc" });
      await leases.service.markDelete({ resourceId: "net" });
      await poller.settled();
      expect(destroyed).toEqual([]);
      await leases.service.release({ leaseId: task.id, author: "ci" });
      for (let i = 0; i < 100 && destroyed.length < 2; i++) await poller.settled();
      expect(destroyed).toEqual(["svc", "net"]);
      expect(errors).toEqual([]);
    } finally {
      await poller.stop();
    }
  });
});
