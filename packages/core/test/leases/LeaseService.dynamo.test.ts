import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { RecordNotFoundError, ResourceUnavailableError } from "../../src/leases/index.js";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { shippedBlueprints } from "../../src/leases/index.js";
import { randomUUID } from "node:crypto";
import { leaseHarness, RecordingBlueprint, type Harness } from "./support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await leaseHarness();
});

/** Runs `act`, expects a ValidationError naming `field`, and checks the table is untouched. */
async function refusedWithoutWrite(act: () => Promise<unknown>, field: string) {
  const before = await h.allItems();
  const error = await act().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe(field);
  expect(await h.allItems()).toEqual(before);
}

describe("Class: LeaseService", () => {
  describe("Method: acquire", () => {
    it("writes an active lease attached to its resource, with the expiry asked for", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "ci:build-42", expiresInMs: 60_000 });
      expect(lease).toMatchObject({ status: "active", version: 3, holder: "ci:build-42", resourceId: resource.id });
      expect(lease.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      expect((await h.registry.getResource(resource.id))?.leaseIds).toEqual([lease.id]);
    });

    it("attaches every one of many concurrent acquirers of one resource", async () => {
      const resource = await h.resource();
      const leases = await Promise.all(Array.from({ length: 25 }, (_, i) => h.service.acquire({ resourceId: resource.id, holder: `job-${i}` })));
      expect((await h.registry.getResource(resource.id))?.leaseIds).toEqual(leases.map((l) => l.id).sort());
    });

    it("refuses a resource marked for deletion, leaving its lease broken (to be cleaned up by expiry)", async () => {
      const resource = await h.resource();
      await h.service.markDelete({ resourceId: resource.id });
      await expect(h.service.acquire({ resourceId: resource.id, holder: "job" })).rejects.toBeInstanceOf(ResourceUnavailableError);
      const leases = (await h.registry.listLeases()).filter((l) => l.resourceId === resource.id);
      expect(leases).toEqual([expect.objectContaining({ status: "broken", brokenReason: "it is marked for deletion", expiresAt: expect.any(Number) })]);
    });

    it("refuses an unknown resource", async () => {
      await expect(h.service.acquire({ resourceId: "r-missing", holder: "job" })).rejects.toBeInstanceOf(RecordNotFoundError);
    });

    it.each([
      [{ resourceId: "", holder: "job" }, "resourceId"],
      [{ resourceId: "bad#id", holder: "job" }, "resourceId"],
      [{ resourceId: "r-1", holder: "" }, "holder"],
      [{ resourceId: "r-1", holder: "job", expiresInMs: -5 }, "expiresInMs"],
      [{ resourceId: "r-1", holder: "job", expiresInMs: 1.5 }, "expiresInMs"],
      [{ holder: "job" }, "resourceId"],
    ])("refuses %j naming %s, writing nothing", async (input, field) => {
      await refusedWithoutWrite(() => h.service.acquire(input as never), field);
    });
  });

  describe("Method: release / extend", () => {
    it("releases through the queue and reports the worker's outcome", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      const result = await h.service.release({ leaseId: lease.id, author: "job" });
      expect(result).toMatchObject({ seq: 1, command: "release", consumed: true, outcome: "released; lease destroyed" });
      const again = await h.service.release({ leaseId: lease.id, author: "cli:alice" });
      expect(again).toMatchObject({ seq: 2, outcome: "already destroyed" });
    });

    it.each([
      [{ leaseId: "l-1", author: "  " }, "author"],
      [{ leaseId: "l/1", author: "me" }, "leaseId"],
    ])("release refuses %j naming %s, writing nothing", async (input, field) => {
      await refusedWithoutWrite(() => h.service.release(input), field);
    });

    it.each([
      [{ leaseId: "l-1", author: "me", expiresInMs: 0 }, "expiresInMs"],
      [{ leaseId: "l-1", author: "me", expiresInMs: 400 * 24 * 3_600_000 }, "expiresInMs"],
      [{ leaseId: "l-1", author: "me" }, "expiresInMs"],
    ])("extend refuses %j naming %s, writing nothing", async (input, field) => {
      await refusedWithoutWrite(() => h.service.extend(input as never), field);
    });
  });

  describe("Method: createResource / markDelete", () => {
    it.each([
      [{ kind: "Host!", blueprint: "recording" }, "kind"],
      [{ kind: "host", blueprint: "nope" }, "blueprint"],
      [{ kind: "host", blueprint: "recording", expireAfterIdleMs: -1 }, "expireAfterIdleMs"],
      [{ kind: "host", blueprint: "recording", references: ["r-does-not-exist"] }, "references.0"],
      [{ kind: "host", blueprint: "recording", attributes: { instanceId: 7 } }, "attributes.instanceId"],
    ])("create refuses %j naming %s, writing nothing", async (input, field) => {
      await refusedWithoutWrite(() => h.service.createResource(input as never), field);
    });

    describe("with the shipped blueprints: the attributes a teardown needs are required at create", () => {
      let shipped: Harness;
      beforeAll(async () => {
        const opsworks = new OpsWorksClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        const ec2 = new EC2Client({ region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        const elbv2 = new ElasticLoadBalancingV2Client({ region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        shipped = await leaseHarness({ blueprints: shippedBlueprints({ opsworks, ec2, elbv2 }) });
      });
      const arn = (kind: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:${kind}`;

      it.each([
        [{ kind: "host", blueprint: "opsworks-instance" }, "attributes.instanceId"],
        [{ kind: "host", blueprint: "opsworks-instance", attributes: { instanceid: "4d6d1710-ded9-42a1-b08e-b043ad7af1e2" } }, "attributes.instanceId"],
        [{ kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: "" } }, "attributes.instanceId"],
        [{ kind: "app", blueprint: "heroku-app" }, "attributes.app"],
        [{ kind: "app", blueprint: "heroku-app", attributes: { name: "scythe-pr-1" } }, "attributes.app"],
        [{ kind: "host", blueprint: "ec2-instance", attributes: { instanceId: "web-1" } }, "attributes.instanceId"],
        [{ kind: "host", blueprint: "ec2-instance", attributes: { instanceId: "i-XYZ" } }, "attributes.instanceId"],
        [{ kind: "lb", blueprint: "elbv2-load-balancer", attributes: { loadBalancerArn: "scythe-lb" } }, "attributes.loadBalancerArn"],
        [{ kind: "lb", blueprint: "elbv2-load-balancer", attributes: { loadBalancerArn: arn("targetgroup/scythe-tg/0123456789abcdef") } }, "attributes.loadBalancerArn"],
        [{ kind: "tg", blueprint: "elbv2-target-group", attributes: { targetGroupArn: arn("loadbalancer/app/scythe-lb/0123456789abcdef") } }, "attributes.targetGroupArn"],
      ])("create refuses %j naming %s, writing nothing", async (input, field) => {
        const before = await shipped.allItems();
        const error = await shipped.service.createResource(input as never).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
        expect((error as ValidationError).message).toContain((input as { blueprint: string }).blueprint);
        expect(await shipped.allItems()).toEqual(before);
      });

      it.each([
        [{ kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: "4d6d1710-ded9-42a1-b08e-b043ad7af1e2" } }],
        [{ kind: "app", blueprint: "heroku-app", attributes: { app: "scythe-pr-1" } }],
        [{ kind: "host", blueprint: "ec2-instance", attributes: { instanceId: "i-0123456789abcdef0" } }],
        [{ kind: "lb", blueprint: "elbv2-load-balancer", attributes: { loadBalancerArn: arn("loadbalancer/app/scythe-lb/0123456789abcdef") } }],
        [{ kind: "tg", blueprint: "elbv2-target-group", attributes: { targetGroupArn: arn("targetgroup/scythe-tg/0123456789abcdef") } }],
      ])("creates %j", async (input) => {
        const resource = await shipped.service.createResource(input);
        expect(await shipped.registry.getResource(resource.id)).toMatchObject({ status: "active", blueprint: input.blueprint, attributes: input.attributes });
      });
    });

    it("records references to other resources for the deallocator", async () => {
      const network = await h.resource({ kind: "network" });
      const host = await h.resource({ references: [network.id] });
      expect((await h.registry.getResource(host.id))?.references).toEqual([network.id]);
    });

    it("refuses a resource that references itself, writing nothing", async () => {
      await refusedWithoutWrite(() => h.service.createResource({ kind: "host", blueprint: "recording", id: "r-self", references: ["r-self"] }), "references.0");
    });

    it("records a reference given twice once (a repeated --ref is the same dependency)", async () => {
      const network = await h.resource({ kind: "network" });
      const host = await h.resource({ references: [network.id, network.id] });
      expect((await h.registry.getResource(host.id))?.references).toEqual([network.id]);
      expect((await h.registry.getResource(network.id))?.referencedBy).toEqual([host.id]);
    });

    describe("one cloud object, one live resource: two records tearing down the same thing would let one destroy what the other still holds", () => {
      let t: Harness;
      const teardown = Object.assign(new RecordingBlueprint("keyed"), { attributes: { thing: { pattern: /^[a-z0-9-]+$/i, means: "a thing's name" } } });
      beforeAll(async () => {
        t = await leaseHarness({ blueprints: [teardown] });
      });
      const keyed = (thing: string, extra: object = {}) => t.service.createResource({ kind: "host", blueprint: "keyed", id: `r-${randomUUID().slice(0, 8)}`, attributes: { thing }, ...extra });

      it("refuses a second live resource for the same object, naming the first, writing nothing", async () => {
        const first = await keyed("web-1");
        const before = await t.allItems();
        const error = await keyed("web-1").then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("attributes.thing");
        expect((error as ValidationError).message).toContain(first.id);
        expect(await t.allItems()).toEqual(before);
        // Also through the references path (a transaction), and whatever the case of the value.
        const network = await t.resource({ kind: "network" });
        const again = await keyed("WEB-1", { references: [network.id] }).then(() => undefined, (e: unknown) => e);
        expect(again).toBeInstanceOf(ValidationError);
        expect((await t.registry.getResource(network.id))?.referencedBy ?? []).toEqual([]);
      });

      it("lets exactly one of many concurrent creators of one object in, round after round", async () => {
        for (let round = 0; round < 10; round++) {
          const thing = `race-${round}`;
          const results = await Promise.allSettled(Array.from({ length: 12 }, () => keyed(thing)));
          const won = results.filter((r) => r.status === "fulfilled");
          expect(won).toHaveLength(1);
          for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ValidationError);
          const live = (await t.registry.listResources()).filter((r) => r.attributes.thing === thing);
          expect(live).toHaveLength(1);
        }
      });

      it("lets the object be registered again once its resource is destroyed, and not while it is released but not yet destroyed", async () => {
        const first = await keyed("web-2", { expiresInMs: 1 });
        await new Promise((r) => setTimeout(r, 5));
        teardown.failures.push(new Error("teardown failed"), new Error("teardown failed"), new Error("teardown failed"));
        await t.sweep().run();
        const stuck = await t.registry.getResource(first.id);
        expect(stuck?.status).not.toBe("destroyed");
        await expect(keyed("web-2")).rejects.toBeInstanceOf(ValidationError);
        teardown.failures.length = 0;
        const second = await keyed("web-3", { expiresInMs: 1 });
        await new Promise((r) => setTimeout(r, 5));
        await t.sweep().run();
        expect((await t.registry.getResource(second.id))?.status).toBe("destroyed");
        const again = await keyed("web-3");
        expect(await t.registry.getResource(again.id)).toMatchObject({ status: "active", attributes: { thing: "web-3" } });
      });
    });

    it("marks for deletion once; a dry run changes nothing", async () => {
      const resource = await h.resource();
      const before = await h.allItems();
      expect(await h.service.markDelete({ resourceId: resource.id, dryRun: true })).toMatchObject({ changed: true, dryRun: true });
      expect(await h.allItems()).toEqual(before);
      expect(await h.service.markDelete({ resourceId: resource.id })).toMatchObject({ changed: true, resource: { deleteRequested: true, version: 2 } });
      expect(await h.service.markDelete({ resourceId: resource.id })).toMatchObject({ changed: false, resource: { version: 2 } });
    });
  });
});
