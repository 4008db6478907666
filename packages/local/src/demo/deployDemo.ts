import { auditRollout, membership } from "../stepfunctions/index.js";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { loadTimeline, writeTimelineReport } from "../report/loadTimeline.js";
import type { DemoStep } from "./DemoStep.js";
import { runDemoRollout } from "./demoRollout.js";

/** Where `npm start` leaves the timeline of its demo rollout (beside the world file, git-ignored). */
export const demoTimelinePath = (cwd = process.cwd()) => join(cwd, ".scythe", "demo-rollout.html");

/**
 * A rolling deploy across three instances behind two load balancers, one of which has a
 * single instance: the state machine's own definition, run locally, checked afterwards
 * from the simulator's event log.
 */
export const deployDemo: DemoStep = {
  title: "Rolling deploy: three instances, two load balancers (one with a single instance), no downtime",
  async run(world, output) {
    const control = world.simulator.control;
    const stack = await control.seed({ stacks: [{ Name: "demo-shop" }] });
    const stackId = stack.stackIds[0] ?? "";
    const layer = await control.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "shop" }] });
    const layerId = layer.layerIds[0] ?? "";
    const appId = layer.appIds[0] ?? "";
    const fleet = await control.seed({
      instances: ["web1", "web2", "web3"].map((Hostname) => ({ Hostname, StackId: stackId, LayerIds: [layerId] })),
    });
    const ec2 = fleet.instances.map((i) => i.Ec2InstanceId);
    await control.seed({
      loadBalancers: [
        { LoadBalancerName: "demo-web", instances: ec2 },
        { LoadBalancerName: "demo-admin", instances: ec2.slice(2), drainSeconds: 60 },
      ],
    });
    output.progress("demo-web serves web1, web2, web3; demo-admin serves web3 alone");
    const since = await control.lastSeq();
    const before = membership(await control.state());

    const { services, result, report } = await runDemoRollout(world, output, { stackId, layerId, appId, comment: "demo release" });
    const audit = await auditRollout(control, since, before);
    await mkdir(join(demoTimelinePath(), ".."), { recursive: true });
    const timeline = await writeTimelineReport(demoTimelinePath(), await loadTimeline(services.journal, result.executionArn, control));
    const deployments = Object.values(audit.deploymentsPerInstance);
    const ok = result.status === "SUCCEEDED" && audit.ok && deployments.length === 3 && deployments.every((n) => n === 1);
    return {
      summary: `${ok ? "ok" : "UNEXPECTED"}: ${result.status}, ${report?.deployedCount ?? 0} deployed, ${audit.zeroInService.length} moments with nothing in service, ${audit.notReattached.length} left detached, ${result.transitions} state transitions in ${result.wallMs} ms`,
      details: {
        ok,
        status: result.status,
        executionArn: result.executionArn,
        timeline,
        notDetached: report?.notDetached ?? [],
        deploymentsPerInstance: audit.deploymentsPerInstance,
        zeroInService: audit.zeroInService,
        notReattached: audit.notReattached,
        transitions: result.transitions,
        wallMs: result.wallMs,
      },
    };
  },
};
