import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { shippedBlueprints } from "@scythe/core/leases";
import { localCredentials, localRegion } from "../world/clients.js";
import type { DemoStep } from "./DemoStep.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drydock on DynamoDB: resources are leased with short expiries; the expiry sweep releases
 * the leases, the resources go with their last lease, and their blueprints tear down the
 * simulator's instances and app. One lease is extended, one resource is protected (veto).
 */
export const leasesDemo: DemoStep = {
  title: "Leases: expired leases are released and their resources destroyed; extend and veto keep them",
  async run(world, output) {
    const opsworks = new OpsWorksClient({ endpoint: world.endpoints.simulator, region: localRegion, credentials: localCredentials });
    const { service, sweep, registry } = composeLeases({
      doc: world.doc,
      tables: world.endpoints.tables,
      blueprints: shippedBlueprints({ opsworks, heroku: { token: "sim-token", baseUrl: world.endpoints.heroku }, stopPollMs: 50 }),
      workerId: "demo-worker",
      settings: { destroyRetryDelaysMs: [50, 100, 200, 400, 800] },
    });
    try {
      const seeded = await world.simulator.control.seed({
        stacks: [{ StackId: "st-leases", Name: "ci-hosts" }],
        instances: ["ci-host-1", "ci-host-2", "ci-host-3"].map((Hostname) => ({ StackId: "st-leases", Hostname })),
        herokuApps: [{ name: "scythe-review-1f2e" }],
      });
      const [one, two, three] = seeded.instances;
      if (!one || !two || !three) throw new Error("the simulator seeded no instances");
      const protectedUntil = new Date(Date.now() + 3_600_000).toISOString();
      const hosts = await Promise.all([
        service.createResource({ id: `host-${one.Hostname}`, kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: one.InstanceId }, expireAfterIdleMs: 0 }),
        service.createResource({ id: `host-${two.Hostname}`, kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: two.InstanceId }, expireAfterIdleMs: 0 }),
        service.createResource({ id: `host-${three.Hostname}`, kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: three.InstanceId, protectedUntil }, expireAfterIdleMs: 0 }),
        service.createResource({ id: "app-scythe-review-1f2e", kind: "app", blueprint: "heroku-app", attributes: { app: "scythe-review-1f2e" }, expireAfterIdleMs: 0 }),
      ]);
      const leases = await Promise.all(hosts.map((h, i) => service.acquire({ resourceId: h.id, holder: `ci:build-${100 + i}`, expiresInMs: 600 + 200 * i })));
      for (const l of leases) output.progress(`leased ${l.resourceId} to ${l.holder} until ${new Date(l.expiresAt ?? 0).toISOString()}`);
      const kept = leases[1];
      if (!kept) throw new Error("no lease to extend");
      const extended = await service.extend({ leaseId: kept.id, author: kept.holder, expiresInMs: 3_600_000 });
      output.progress(`${kept.holder} extends its lease on ${kept.resourceId}: ${extended.outcome}`);

      const started = Date.now();
      let sweeps = 0;
      const expected = [hosts[0], hosts[3]].map((h) => h?.id);
      while (Date.now() - started < 15_000) {
        await sleep(250);
        const report = await sweep.run();
        sweeps++;
        for (const o of report.outcomes) {
          if (o.path === "transaction") output.progress(`  ${o.ref.kind} ${o.ref.id}: expired → released; lease destroyed`);
          for (const c of o.consumed) output.progress(`  ${o.ref.kind} ${o.ref.id}: ${c.command} → ${c.outcome}`);
        }
        const statuses = await Promise.all(expected.map(async (id) => (id ? (await registry.getResource(id))?.status : undefined)));
        if (statuses.every((s) => s === "destroyed")) break;
      }
      const resources = await Promise.all(hosts.map(async (h) => ({ id: h.id, status: (await registry.getResource(h.id))?.status })));
      const state = await world.simulator.control.state();
      const instancesLeft = state.instances.filter((i) => i.StackId === "st-leases").map((i) => i.Hostname);
      const appsLeft = state.herokuApps.filter((a) => a.name === "scythe-review-1f2e").length;
      const byId = Object.fromEntries(resources.map((r) => [r.id, r.status]));
      const ok =
        byId[`host-${one.Hostname}`] === "destroyed" &&
        byId["app-scythe-review-1f2e"] === "destroyed" &&
        byId[`host-${two.Hostname}`] === "active" &&
        byId[`host-${three.Hostname}`] === "active" &&
        !instancesLeft.includes(one.Hostname) &&
        instancesLeft.includes(two.Hostname) &&
        instancesLeft.includes(three.Hostname) &&
        appsLeft === 0;
      return {
        summary: `${ok ? "ok" : "UNEXPECTED"}: ${resources.map((r) => `${r.id} ${r.status}`).join(", ")}; simulator keeps ${instancesLeft.join(", ")} (${sweeps} sweeps)`,
        details: { resources, instancesLeft, appsLeft, sweeps, ok },
      };
    } finally {
      opsworks.destroy();
    }
  },
};
