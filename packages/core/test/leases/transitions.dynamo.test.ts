import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { IllegalTransitionError, transitionLease, transitionResource } from "../../src/leases/index.js";
import { leaseStatuses, leaseTransitions, resourceStatuses, resourceTransitions, type LeaseRecord, type LeaseStatus, type ResourceRecord, type ResourceStatus } from "../../src/registry/index.js";
import { leaseHarness, type Harness } from "./support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await leaseHarness();
});

const pairs = <S extends string>(statuses: readonly S[], table: Readonly<Record<S, readonly S[]>>) =>
  statuses.flatMap((from) => statuses.map((to) => ({ from, to, allowed: table[from].includes(to) })));

async function leaseIn(status: LeaseStatus): Promise<LeaseRecord> {
  const lease: LeaseRecord = { id: `l-${randomUUID()}`, resourceId: "r-any", holder: "ci", status, version: 3, createdAt: 1, updatedAt: 1, expiresAt: 5_000 };
  await h.registry.createLease(lease);
  return lease;
}

async function resourceIn(status: ResourceStatus): Promise<ResourceRecord> {
  const resource: ResourceRecord = {
    id: `r-${randomUUID()}`, kind: "host", blueprint: "recording", attributes: {}, status, version: 3,
    createdAt: 1, updatedAt: 1, leaseIds: [], references: [],
  };
  await h.registry.createResource(resource);
  return resource;
}

describe("Transitions: lease", () => {
  it("has exactly Drydock's allowed moves", () => {
    expect(pairs(leaseStatuses, leaseTransitions).filter((p) => p.allowed).map((p) => `${p.from}>${p.to}`).sort()).toEqual(
      ["pending>acquired", "pending>released", "pending>broken", "acquired>active", "acquired>released", "acquired>broken",
        "active>released", "active>broken", "broken>released", "released>destroyed", "released>broken"].sort(),
    );
  });

  it.each(pairs(leaseStatuses, leaseTransitions))("$from → $to (allowed: $allowed)", async ({ from, to, allowed }) => {
    // Prepare
    const lease = await leaseIn(from);
    const before = await h.item(`lease#${lease.id}`);
    // Act
    const act = transitionLease(h.registry, lease, to, {}, 2);
    // Assess
    if (allowed) {
      const out = await act;
      expect(out.ok).toBe(true);
      const after = await h.item(`lease#${lease.id}`);
      expect(after).toMatchObject({ status: to, version: 4, updatedAt: 2 });
    } else {
      await expect(act).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(await h.item(`lease#${lease.id}`)).toEqual(before);
    }
  });

  it("refuses an allowed move made from a stale read, writing nothing", async () => {
    const lease = await leaseIn("active");
    const moved = await transitionLease(h.registry, lease, "released", {}, 2);
    expect(moved.ok).toBe(true);
    const before = await h.item(`lease#${lease.id}`);
    // The stale copy still says active, version 3: released → broken is not what it asks.
    const stale = await transitionLease(h.registry, lease, "broken", { brokenReason: "late" }, 3);
    expect(stale).toMatchObject({ ok: false, current: { status: "released", version: 4 } });
    expect(await h.item(`lease#${lease.id}`)).toEqual(before);
  });
});

describe("Transitions: resource", () => {
  it("has exactly Drydock's allowed moves", () => {
    expect(pairs(resourceStatuses, resourceTransitions).filter((p) => p.allowed).map((p) => `${p.from}>${p.to}`).sort()).toEqual(
      ["pending>active", "pending>released", "pending>broken", "active>released", "active>broken", "broken>released",
        "released>destroyed", "released>broken"].sort(),
    );
  });

  it.each(pairs(resourceStatuses, resourceTransitions))("$from → $to (allowed: $allowed)", async ({ from, to, allowed }) => {
    const resource = await resourceIn(from);
    const before = await h.item(`resource#${resource.id}`);
    const act = transitionResource(h.registry, resource, to, {}, 2);
    if (allowed) {
      expect((await act).ok).toBe(true);
      expect(await h.item(`resource#${resource.id}`)).toMatchObject({ status: to, version: 4, updatedAt: 2 });
    } else {
      await expect(act).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(await h.item(`resource#${resource.id}`)).toEqual(before);
    }
  });

  it("refuses a write at an older version even when the status matches", async () => {
    const resource = await resourceIn("active");
    await h.registry.updateResource(resource, { deleteRequested: true }, 2);
    const before = await h.item(`resource#${resource.id}`);
    const out = await transitionResource(h.registry, resource, "released", {}, 3);
    expect(out.ok).toBe(false);
    expect(await h.item(`resource#${resource.id}`)).toEqual(before);
  });
});
