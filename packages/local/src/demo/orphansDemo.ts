import { randomUUID } from "node:crypto";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoRegistry } from "@scythe/core/aws/dynamo";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { NameScheme, OrphanSweep, sweepInventories } from "@scythe/core/orphans";
import { describeSweep } from "../report/sweepReports.js";
import { localClientConfig } from "../world/clients.js";
import type { DemoStep } from "./DemoStep.js";

/** A fleet with Scythe-named resources, some of whose records are gone, and some not Scythe's. */
export const orphansDemo: DemoStep = {
  title: "Orphan sweep: remove what carries Scythe's name but has no record, and nothing else",
  async run(world, output) {
    const liveId = randomUUID();
    const goneId = randomUUID();
    const now = Date.now();
    await new DynamoRegistry(world.doc, world.endpoints.tables.registry).createResource({
      id: liveId, kind: "instance", blueprint: "opsworks-instance", attributes: {}, status: "active", version: 1,
      createdAt: now, updatedAt: now, leaseIds: [], references: [],
    });
    // This stage's names carry its registry's tag; another stage sharing the account has its own.
    const scheme = NameScheme.forRegistry(world.endpoints.tables.registry);
    const otherStage = NameScheme.forRegistry(`${world.endpoints.tables.registry}-other-stage`);
    const live = scheme.name(liveId, "web-1");
    const orphan = scheme.name(goneId, "web-1");
    const orphanLb = scheme.name(goneId, "lb");
    const otherStages = otherStage.name(goneId, "web-1");
    await world.simulator.control.seed({
      stacks: [{ StackId: "orphans-stack", Name: "orphans-demo" }],
      instances: [
        { InstanceId: "i-live", Hostname: live, StackId: "orphans-stack", Status: "online", Ec2InstanceId: "ec2-o-live" },
        { InstanceId: "i-orphan", Hostname: orphan, StackId: "orphans-stack", Status: "online", Ec2InstanceId: "ec2-o-orphan" },
        { InstanceId: "i-prod", Hostname: "web-prod-1", StackId: "orphans-stack", Status: "online", Ec2InstanceId: "ec2-o-prod" },
        { InstanceId: "i-other-stage", Hostname: otherStages, StackId: "orphans-stack", Status: "online", Ec2InstanceId: "ec2-o-other" },
      ],
      loadBalancers: [
        { LoadBalancerName: orphanLb, instances: ["ec2-o-orphan"] },
        { LoadBalancerName: scheme.name(liveId, "lb"), instances: ["ec2-o-live"] },
        { LoadBalancerName: "prod-lb", instances: ["ec2-o-prod"] },
      ],
    });
    output.progress(`fleet: ${live} (record exists), ${orphan} + ${orphanLb} (record deleted by hand), ${otherStages} (another stage's, its owner in that stage's registry), web-prod-1 + prod-lb (not Scythe's)`);

    const config = localClientConfig(world.endpoints.simulator);
    const sweep = new OrphanSweep({
      records: new DynamoOwnerRecords(world.doc, world.endpoints.tables.registry),
      inventories: sweepInventories({ opsworks: new OpsWorksClient(config), elb: new ElasticLoadBalancingClient(config) }),
    });
    const dry = await sweep.run({ dryRun: true });
    output.progress(describeSweep(dry).replace(/\n/g, "\n    "));
    let passes = 0;
    let report = await sweep.run();
    passes++;
    // An orphan instance must stop before it can be deleted; later passes finish the job.
    while (Object.keys(report.pending).length > 0 && passes < 20) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      report = await sweep.run();
      passes++;
    }
    output.progress(describeSweep(report).replace(/\n/g, "\n    "));

    const state = JSON.stringify(await world.simulator.control.state());
    const untouched = [live, otherStages, "web-prod-1", "prod-lb"].every((name) => state.includes(name));
    const gone = ![orphan, orphanLb].some((name) => state.includes(name));
    const ok = untouched && gone && report.errors.length === 0;
    return {
      summary: `${ok ? "ok" : "UNEXPECTED"}: removed ${orphan} and ${orphanLb} in ${passes} passes; kept ${live}, ${otherStages} (another stage's), web-prod-1, prod-lb`,
      details: { ok, passes, dryRun: dry.removed, removed: report.removed, untouched, gone },
    };
  },
};
