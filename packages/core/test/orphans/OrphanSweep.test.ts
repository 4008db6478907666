import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CloudResource, Inventory, RemoveOutcome } from "../../src/orphans/Inventory.js";
import { ownerPrefixOfName, scytheName } from "../../src/orphans/naming.js";
import { OrphanSweep } from "../../src/orphans/OrphanSweep.js";

const LIVE = "aaaaaaaa";
const GONE = "bbbbbbbb";

/** An inventory over a plain list, recording every removal in one shared log. */
function fakeInventory(
  kind: string,
  names: string[],
  log: string[],
  behave: (name: string) => RemoveOutcome | Error = () => "removed",
): Inventory & { left: Set<string> } {
  const left = new Set(names);
  return {
    kind,
    left,
    list: async () => [...left].map((name): CloudResource => ({ kind, name, id: name })),
    remove: async (resource) => {
      const outcome = behave(resource.name);
      if (outcome instanceof Error) throw outcome;
      log.push(`${kind}:${resource.name}`);
      if (outcome === "removed") left.delete(resource.name);
      return outcome;
    },
  };
}

const records = (prefixes: string[]) => ({ ownerPrefixes: async () => new Set(prefixes) });

describe("Class: OrphanSweep", () => {
  it("removes only orphans carrying the scheme, instances before load balancers", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${GONE}-web1`, `scythe-${LIVE}-web1`, "web-prod-1", "scythe-nothex1-x"], log);
    const lbs = fakeInventory("loadBalancer", [`scythe-${GONE}-lb`, `scythe-${LIVE}-lb`, "prod-lb"], log);
    const report = await new OrphanSweep({ records: records([LIVE]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([`instance:scythe-${GONE}-web1`, `loadBalancer:scythe-${GONE}-lb`]);
    expect(report).toMatchObject({
      dryRun: false,
      livePrefixes: [LIVE],
      orphanPrefixes: [GONE],
      removed: { instance: [`scythe-${GONE}-web1`], loadBalancer: [`scythe-${GONE}-lb`] },
      seen: { instance: { total: 4, inScheme: 2 }, loadBalancer: { total: 3, inScheme: 2 } },
      errors: [],
    });
  });

  it("reports its progress over the resources in the scheme, ending at all of them", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${GONE}-web1`, `scythe-${LIVE}-web1`, "web-prod-1"], log);
    const lbs = fakeInventory("loadBalancer", [`scythe-${GONE}-lb`, "prod-lb"], log);
    const seen: [number, number][] = [];
    await new OrphanSweep({ records: records([LIVE]), inventories: [instances, lbs] }).run({ onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("removes nothing in a dry run, and reports what it would remove", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${GONE}-web1`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances] }).run({ dryRun: true });
    expect(log).toEqual([]);
    expect(report.removed).toEqual({ instance: [`scythe-${GONE}-web1`] });
    expect(report.dryRun).toBe(true);
  });

  it("records a failing removal and goes on with the rest, keeping that owner's load balancer", async () => {
    const log: string[] = [];
    const other = "cccccccc";
    const instances = fakeInventory("instance", [`scythe-${GONE}-a`, `scythe-${other}-a`], log, (name) =>
      name.includes(GONE) ? new Error("boom") : "removed",
    );
    const lbs = fakeInventory("loadBalancer", [`scythe-${GONE}-lb`, `scythe-${other}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([`instance:scythe-${other}-a`, `loadBalancer:scythe-${other}-lb`]);
    expect(report.errors).toEqual([{ kind: "instance", name: `scythe-${GONE}-a`, error: "Error: boom" }]);
    expect(report.kept).toEqual([{ kind: "loadBalancer", name: `scythe-${GONE}-lb`, reason: "a dependent with the same owner is not removed yet" }]);
  });

  it("keeps an owner's load balancer while its instance is still stopping", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${GONE}-a`], log, () => "pending");
    const lbs = fakeInventory("loadBalancer", [`scythe-${GONE}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(report.pending).toEqual({ instance: [`scythe-${GONE}-a`] });
    expect(lbs.left.has(`scythe-${GONE}-lb`)).toBe(true);
  });

  it("removes nothing when the registry cannot be read", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${GONE}-a`], log);
    const broken = { ownerPrefixes: async () => Promise.reject(new Error("DynamoDB down")) };
    const report = await new OrphanSweep({ records: broken, inventories: [instances] }).run();
    expect(log).toEqual([]);
    expect(report.errors[0]).toMatchObject({ kind: "registry" });
  });

  it("keeps load balancers when instances could not be listed", async () => {
    const log: string[] = [];
    const instances: Inventory = { kind: "instance", list: () => Promise.reject(new Error("throttled")), remove: async () => "removed" };
    const lbs = fakeInventory("loadBalancer", [`scythe-${GONE}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([]);
    expect(report.kept[0]?.reason).toContain("instance could not be listed");
    expect(report.errors[0]).toMatchObject({ kind: "instance" });
  });

  it("reads the registry only after listing the cloud, so a record created meanwhile protects its resources", async () => {
    const log: string[] = [];
    const live = new Set<string>();
    const instances = fakeInventory("instance", [`scythe-${GONE}-new`], log);
    const listing = instances.list.bind(instances);
    instances.list = async () => {
      const listed = await listing();
      live.add(GONE); // the owning record is persisted right after the listing
      return listed;
    };
    await new OrphanSweep({ records: { ownerPrefixes: async () => new Set(live) }, inventories: [instances] }).run();
    expect(log).toEqual([]);
  });

  it("never removes a name outside the scheme or owned by a live record (property)", async () => {
    const hex8 = fc.stringMatching(/^[0-9a-f]{8}$/);
    const anyName = fc.oneof(
      fc.string(),
      hex8.map((h) => `scythe-${h}-x`),
      hex8.map((h) => `scythe-${h}`),
      hex8.map((h) => `Scythe-${h}-x`),
      hex8.map((h) => `xscythe-${h}-x`),
      hex8.map((h) => `scythe-${h}x-y`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyName, { maxLength: 30 }), fc.array(hex8, { maxLength: 5 }), async (names, liveOwners) => {
        const log: string[] = [];
        const inventory = fakeInventory("instance", names, log);
        await new OrphanSweep({ records: records(liveOwners), inventories: [inventory] }).run();
        for (const entry of log) {
          const name = entry.slice("instance:".length);
          const owner = ownerPrefixOfName(name);
          expect(owner).toBeDefined();
          expect(liveOwners).not.toContain(owner);
          expect(name.startsWith(`scythe-${owner}`)).toBe(true);
        }
        const expected = new Set(names.filter((n) => { const o = ownerPrefixOfName(n); return o !== undefined && !liveOwners.includes(o); }));
        expect(new Set(log.map((e) => e.slice("instance:".length)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("Naming scheme", () => {
  it("puts the first 8 hex characters of the owner's id in the name, and reads them back", () => {
    const name = scytheName("3f2a9c1e-0000-4000-8000-000000000000", "web-1");
    expect(name).toBe("scythe-3f2a9c1e-web-1");
    expect(ownerPrefixOfName(name)).toBe("3f2a9c1e");
    expect(ownerPrefixOfName("scythe-3f2a9c1e")).toBe("3f2a9c1e");
    expect(ownerPrefixOfName("scythe-3f2a9c1ez-web")).toBeUndefined();
    expect(ownerPrefixOfName("prod-scythe-3f2a9c1e-web")).toBeUndefined();
    expect(() => scytheName("not-hex-id", "x")).toThrow(/8 hex/);
  });
});
