import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { Deallocator } from "@scythe/core/deallocator";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { shippedBlueprints } from "@scythe/core/leases";
import { NameScheme } from "@scythe/core/orphans";
import { describeDeallocation } from "../report/sweepReports.js";
import { localClientConfig } from "../world/clients.js";
import type { DemoStep } from "./DemoStep.js";

const indent = (text: string) => text.replace(/\n/g, "\n    ");

/**
 * Swarmkit's deallocator on simulator instances: two web hosts reference a bastion; all
 * three are marked for deletion. The unleased web host goes at once; the leased one and
 * the bastion it references stay until its lease ends, then go in order.
 */
export const deallocatorDemo: DemoStep = {
  title: "Deallocator: marked resources go only once nothing holds or references them",
  async run(world, output) {
    const leases = composeLeases({
      doc: world.doc,
      tables: world.endpoints.tables,
      blueprints: shippedBlueprints({ opsworks: new OpsWorksClient(localClientConfig(world.endpoints.simulator)), stopPollMs: 20 }),
      workerId: "demo-deallocator",
      settings: { destroyRetryDelaysMs: [50, 100, 200, 400, 800] },
    });
    const { service } = leases;
    const deallocator = new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker, author: "demo" });
    const ids = { bastion: "d1a1c0de-0000-4000-8000-00000000000b", web1: "d1a1c0de-0000-4000-8000-000000000001", web2: "d1a1c0de-0000-4000-8000-000000000002" };
    const seeded = await world.simulator.control.seed({
      stacks: [{ StackId: "st-dealloc", Name: "dealloc-demo" }],
      instances: Object.entries(ids).map(([role, id]) => ({ StackId: "st-dealloc", Hostname: NameScheme.forRegistry(world.endpoints.tables.registry).name(id, role) })),
    });
    const instanceOf = (role: string) => seeded.instances.find((i) => i.Hostname.endsWith(role))?.InstanceId ?? "";
    const create = (role: keyof typeof ids, references: string[] = []) =>
      service.createResource({ id: ids[role], kind: role === "bastion" ? "network" : "host", blueprint: "opsworks-instance", attributes: { instanceId: instanceOf(role) }, references });
    await create("bastion");
    await create("web1", [ids.bastion]);
    await create("web2", [ids.bastion]);
    const task = await service.acquire({ resourceId: ids.web1, holder: "ci:build-7" });
    for (const id of Object.values(ids)) await service.markDelete({ resourceId: id });
    output.progress("bastion, web1 (leased by ci:build-7) and web2 are marked for deletion; web1 and web2 reference the bastion");

    const dry = await deallocator.reconcile({ dryRun: true });
    output.progress(indent(describeDeallocation(dry)));
    const first = await deallocator.reconcile();
    output.progress(indent(describeDeallocation(first)));
    await service.release({ leaseId: task.id, author: "ci:build-7" });
    output.progress("ci:build-7 releases its lease on web1");
    const second = await deallocator.evaluate([ids.web1]);
    output.progress(indent(describeDeallocation(second)));

    const statuses = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([role, id]) => [role, (await leases.registry.getResource(id))?.status])));
    const left = (await world.simulator.control.state()).instances.filter((i) => i.StackId === "st-dealloc").length;
    const ok =
      first.destroyed.join() === ids.web2 &&
      second.destroyed.join() === [ids.web1, ids.bastion].join() &&
      Object.values(statuses).every((s) => s === "destroyed") &&
      left === 0;
    return {
      summary: `${ok ? "ok" : "UNEXPECTED"}: web2 went at once; web1 and then the bastion went when the lease ended; ${left} simulator instances left`,
      details: { ok, statuses, firstPass: first.destroyed, afterLeaseEnded: second.destroyed, dryRun: dry.nominated },
    };
  },
};
