import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Deallocator } from "../../src/deallocator/Deallocator.js";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { leaseHarness, type Harness } from "../leases/support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await leaseHarness();
});

type Actor = "create" | "mark" | "evaluate" | "reconcile";

describe("referencedBy: who references a resource, kept with each reference", () => {
  it("creators, a mark and deallocators racing: never destroyed while referenced; referencedBy holds every referrer (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom<Actor>("create", "create", "mark", "evaluate", "reconcile"), { minLength: 12, maxLength: 12 }), async (actors) => {
        const network = await h.resource({ kind: "network" });
        const created: string[] = [];
        const refused: string[] = [];
        await Promise.all(
          actors.map(async (actor, i) => {
            const deallocator = new Deallocator({ registry: h.registry, queue: h.queue, worker: h.worker(`d-${i}`) });
            if (actor === "create") {
              const service = await h.resource({ kind: "service", references: [network.id] }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
              if (service instanceof Error) {
                expect(service).toMatchObject({ name: "ValidationError", field: "references.0" });
                refused.push(service.message);
              } else created.push(service.id);
            } else if (actor === "mark") await h.service.markDelete({ resourceId: network.id });
            else if (actor === "evaluate") await deallocator.evaluate([network.id]);
            else await deallocator.reconcile();
          }),
        );
        await new Deallocator({ registry: h.registry, queue: h.queue, worker: h.worker("backstop") }).reconcile();
        const after = await h.registry.getResource(network.id);
        expect(after?.referencedBy).toEqual([...created].sort());
        // A refusal only ever comes from the mark (nothing else makes the network unreferenceable here).
        for (const message of refused) expect(message).toMatch(/marked for deletion|destroyed/);
        if (created.length > 0) expect(after?.status).toBe("active");
        if (created.length === 0 && actors.includes("mark")) expect(after?.status).toBe("destroyed");

        // Once every referrer is marked and goes, the network goes after them and its set empties.
        for (const id of created) await h.service.markDelete({ resourceId: id });
        if (!actors.includes("mark")) await h.service.markDelete({ resourceId: network.id });
        await new Deallocator({ registry: h.registry, queue: h.queue, worker: h.worker("final") }).reconcile();
        expect(await h.registry.getResource(network.id)).toMatchObject({ status: "destroyed", referencedBy: [] });
        expect(h.blueprint.destroyedCount(network.id)).toBe(1);
      }),
      { numRuns: 10 },
    );
  });

  it("deallocating one resource reads its leases and referrers, never the whole registry", async () => {
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await Promise.all(Array.from({ length: 30 }, () => h.resource({ kind: "host" })));
    await h.service.markDelete({ resourceId: network.id });
    const doc = localDocumentClient(h.endpoint);
    const meter = meterClient(doc as never);
    const deallocator = new Deallocator({ registry: new DynamoRegistry(doc, h.names.registry), queue: h.queue, worker: h.worker() });
    const kept = await deallocator.evaluate([network.id]);
    expect(kept.kept).toEqual([{ id: network.id, reason: expect.stringContaining(`referenced by ${service.id}`) }]);
    // The network, then its one referrer: two reads.
    expect(meter.reading().byCommand).toEqual({ GetItemCommand: 2 });
    meter.reset();
    await deallocator.reconcile();
    expect(Object.keys(meter.reading().byCommand)).not.toContain("ScanCommand");
  });
});
