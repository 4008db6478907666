import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CloudResource, Inventory, RemoveOutcome } from "../../src/orphans/Inventory.js";
import { NameScheme } from "../../src/orphans/naming.js";
import { OrphanSweep } from "../../src/orphans/OrphanSweep.js";

const TAG = "5c1e";
const scheme = new NameScheme(TAG);
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

const records = (prefixes: string[]) => ({ scheme, ownerPrefixes: async () => new Set(prefixes) });

describe("Class: OrphanSweep", () => {
  it("removes only orphans carrying the scheme, instances before load balancers", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-web1`, `scythe-${TAG}-${LIVE}-web1`, "web-prod-1", "scythe-nothex1-x"], log);
    const lbs = fakeInventory("loadBalancer", [`scythe-${TAG}-${GONE}-lb`, `scythe-${TAG}-${LIVE}-lb`, "prod-lb"], log);
    const report = await new OrphanSweep({ records: records([LIVE]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([`instance:scythe-${TAG}-${GONE}-web1`, `loadBalancer:scythe-${TAG}-${GONE}-lb`]);
    expect(report).toMatchObject({
      dryRun: false,
      livePrefixes: [LIVE],
      orphanPrefixes: [GONE],
      removed: { instance: [`scythe-${TAG}-${GONE}-web1`], loadBalancer: [`scythe-${TAG}-${GONE}-lb`] },
      seen: { instance: { total: 4, inScheme: 2, otherStages: 0 }, loadBalancer: { total: 3, inScheme: 2, otherStages: 0 } },
      errors: [],
    });
  });

  it("reports its progress over the resources in the scheme, ending at all of them", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-web1`, `scythe-${TAG}-${LIVE}-web1`, "web-prod-1"], log);
    const lbs = fakeInventory("loadBalancer", [`scythe-${TAG}-${GONE}-lb`, "prod-lb"], log);
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
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-web1`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances] }).run({ dryRun: true });
    expect(log).toEqual([]);
    expect(report.removed).toEqual({ instance: [`scythe-${TAG}-${GONE}-web1`] });
    expect(report.dryRun).toBe(true);
  });

  it("records a failing removal and goes on with the rest, keeping that owner's load balancer", async () => {
    const log: string[] = [];
    const other = "cccccccc";
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-a`, `scythe-${TAG}-${other}-a`], log, (name) =>
      name.includes(GONE) ? new Error("boom") : "removed",
    );
    const lbs = fakeInventory("loadBalancer", [`scythe-${TAG}-${GONE}-lb`, `scythe-${TAG}-${other}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([`instance:scythe-${TAG}-${other}-a`, `loadBalancer:scythe-${TAG}-${other}-lb`]);
    expect(report.errors).toEqual([{ kind: "instance", name: `scythe-${TAG}-${GONE}-a`, error: "Error: boom" }]);
    expect(report.kept).toEqual([{ kind: "loadBalancer", name: `scythe-${TAG}-${GONE}-lb`, reason: "a dependent with the same owner is not removed yet" }]);
  });

  it("keeps an owner's load balancer while its instance is still stopping", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-a`], log, () => "pending");
    const lbs = fakeInventory("loadBalancer", [`scythe-${TAG}-${GONE}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(report.pending).toEqual({ instance: [`scythe-${TAG}-${GONE}-a`] });
    expect(lbs.left.has(`scythe-${TAG}-${GONE}-lb`)).toBe(true);
  });

  it("removes nothing when the registry cannot be read", async () => {
    const log: string[] = [];
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-a`], log);
    const broken = { scheme, ownerPrefixes: async () => Promise.reject(new Error("DynamoDB down")) };
    const report = await new OrphanSweep({ records: broken, inventories: [instances] }).run();
    expect(log).toEqual([]);
    expect(report.errors[0]).toMatchObject({ kind: "registry" });
  });

  it("keeps load balancers when instances could not be listed", async () => {
    const log: string[] = [];
    const instances: Inventory = { kind: "instance", list: () => Promise.reject(new Error("throttled")), remove: async () => "removed" };
    const lbs = fakeInventory("loadBalancer", [`scythe-${TAG}-${GONE}-lb`], log);
    const report = await new OrphanSweep({ records: records([]), inventories: [instances, lbs] }).run();
    expect(log).toEqual([]);
    expect(report.kept[0]?.reason).toContain("instance could not be listed");
    expect(report.errors[0]).toMatchObject({ kind: "instance" });
  });

  it("reads the registry only after listing the cloud, so a record created meanwhile protects its resources", async () => {
    const log: string[] = [];
    const live = new Set<string>();
    const instances = fakeInventory("instance", [`scythe-${TAG}-${GONE}-new`], log);
    const listing = instances.list.bind(instances);
    instances.list = async () => {
      const listed = await listing();
      live.add(GONE); // the owning record is persisted right after the listing
      return listed;
    };
    await new OrphanSweep({ records: { scheme, ownerPrefixes: async () => new Set(live) }, inventories: [instances] }).run();
    expect(log).toEqual([]);
  });

  it("never removes a name outside this stage's scheme or owned by a live record (property)", async () => {
    const hex8 = fc.stringMatching(/^[0-9a-f]{8}$/);
    const hex4 = fc.stringMatching(/^[0-9a-f]{4}$/);
    const anyName = fc.oneof(
      fc.string(),
      hex8.map((h) => `scythe-${TAG}-${h}-x`),
      hex8.map((h) => `scythe-${TAG}-${h}`),
      // another stage's names, and the scheme without a stage tag (as before stages were told apart)
      fc.tuple(hex4, hex8).map(([t, h]) => `scythe-${t}-${h}-x`),
      hex8.map((h) => `scythe-${h}-x`),
      hex8.map((h) => `Scythe-${TAG}-${h}-x`),
      hex8.map((h) => `xscythe-${TAG}-${h}-x`),
      hex8.map((h) => `scythe-${TAG}-${h}x-y`),
      hex8.map((h) => `scythe-${TAG.toUpperCase()}-${h}-x`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyName, { maxLength: 30 }), fc.array(hex8, { maxLength: 5 }), async (names, liveOwners) => {
        const log: string[] = [];
        const inventory = fakeInventory("instance", names, log);
        await new OrphanSweep({ records: records(liveOwners), inventories: [inventory] }).run();
        for (const entry of log) {
          const name = entry.slice("instance:".length);
          const owner = scheme.ownerOf(name);
          expect(owner).toBeDefined();
          expect(liveOwners).not.toContain(owner);
          expect(name.startsWith(`scythe-${TAG}-${owner}`)).toBe(true);
        }
        const expected = new Set(names.filter((n) => /^scythe-5c1e-[0-9a-f]{8}(-|$)/.test(n) && !liveOwners.includes(n.slice(12, 20))));
        expect(new Set(log.map((e) => e.slice("instance:".length)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("two stages in one account: each sweep removes only its own orphans, never the other's resources, whose owners only the other's registry knows", async () => {
    const log: string[] = [];
    const prod = NameScheme.forRegistry("prod-scythe-Registry");
    const staging = NameScheme.forRegistry("staging-scythe-Registry");
    expect(prod.tag).not.toBe(staging.tag);
    const PROD_OWNER = "1a2b3c4d-0000-4000-8000-000000000001";
    const STAGING_OWNER = "5e6f7a8b-0000-4000-8000-000000000002";
    const fleet = fakeInventory("instance", [prod.name(PROD_OWNER, "web"), staging.name(STAGING_OWNER, "web"), prod.name(STAGING_OWNER, "web")], log);
    // Each registry knows only its own records.
    const stagingSweep = new OrphanSweep({ records: { scheme: staging, ownerPrefixes: async () => new Set(["5e6f7a8b"]) }, inventories: [fleet] });
    const prodSweep = new OrphanSweep({ records: { scheme: prod, ownerPrefixes: async () => new Set(["1a2b3c4d"]) }, inventories: [fleet] });
    const fromStaging = await stagingSweep.run();
    expect(log).toEqual([]);
    expect(fromStaging.seen).toEqual({ instance: { total: 3, inScheme: 1, otherStages: 2 } });
    expect(fromStaging.namePrefix).toBe(staging.prefix);
    // prod's orphan (an owner prod's registry lacks) goes, by prod's sweep only.
    await prodSweep.run();
    expect(log).toEqual([`instance:${prod.name(STAGING_OWNER, "web")}`]);
  });
});

describe("Naming scheme", () => {
  it("puts the stage's tag and the first 8 hex characters of the owner's id in the name, and reads the owner back for that stage only", () => {
    const name = scheme.name("3f2a9c1e-0000-4000-8000-000000000000", "web-1");
    expect(name).toBe("scythe-5c1e-3f2a9c1e-web-1");
    expect(scheme.ownerOf(name)).toBe("3f2a9c1e");
    expect(scheme.ownerOf("scythe-5c1e-3f2a9c1e")).toBe("3f2a9c1e");
    expect(scheme.ownerOf("scythe-5c1e-3f2a9c1ez-web")).toBeUndefined();
    expect(scheme.ownerOf("prod-scythe-5c1e-3f2a9c1e-web")).toBeUndefined();
    expect(scheme.ownerOf("scythe-3f2a9c1e-web-1")).toBeUndefined();
    expect(scheme.ownerOf("scythe-ffff-3f2a9c1e-web-1")).toBeUndefined();
    expect(scheme.isOtherStage("scythe-ffff-3f2a9c1e-web-1")).toBe(true);
    expect(scheme.isOtherStage(name)).toBe(false);
    expect(() => scheme.name("not-hex-id", "x")).toThrow(/8 hex/);
    expect(() => new NameScheme("5C1E")).toThrow(/4 lower-case hex/);
  });

  it("gives each registry table its own tag, the same one every time, and names that fit a classic ELB (32) with room for a suffix", () => {
    expect(NameScheme.forRegistry("prod-scythe-Registry").tag).toBe(NameScheme.forRegistry("prod-scythe-Registry").tag);
    const tags = new Set(Array.from({ length: 200 }, (_, i) => NameScheme.forRegistry(`stage-${i}-scythe-Registry`).tag));
    expect(tags.size).toBeGreaterThan(190);
    expect(scheme.name("3f2a9c1e-0000-4000-8000-000000000000", "lb-web-blue").length).toBeLessThanOrEqual(32);
  });
});
