import { startFleetSimulator } from "../src/sim/index.js";
import { onShutdown } from "../src/world/shutdown.js";
import { auditRollout, historyEventLimit, localDeployServices, membership, startLocalDeploy } from "../src/stepfunctions/index.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * A rolling deploy of 10 instances in the simulator, run by the real definition and
 * handlers: state transitions per instance (what Step Functions Standard bills), and
 * wall time against the floor, the simulated drain + deploy + health-check time that no
 * rollout of one instance at a time can beat.
 */
const instances = 10;
const msPerSimSecond = 2;
const drainSeconds = 300;
const deploySeconds = 60;
const healthSeconds = 30;

export async function run(): Promise<void> {
  const dynamo = await benchDynamo("bench-deploy-");
  const sim = await startFleetSimulator({ timeScale: msPerSimSecond });
  const unregister = onShutdown(() => sim.close());
  try {
    await sim.control.config({ deploymentSeconds: deploySeconds, healthCheckSeconds: healthSeconds, defaultDrainSeconds: drainSeconds });
    const rows: Record<string, string | number>[] = [];
    for (const pollSimSeconds of [10, 30]) {
      const stack = await sim.control.seed({ stacks: [{ Name: `bench-${pollSimSeconds}` }] });
      const stackId = stack.stackIds[0] ?? "";
      const seeded = await sim.control.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "app" }] });
      const layerId = seeded.layerIds[0] ?? "";
      const fleet = await sim.control.seed({
        instances: Array.from({ length: instances }, (_, i) => ({ Hostname: `web${i + 1}`, StackId: stackId, LayerIds: [layerId] })),
      });
      const ec2 = fleet.instances.map((i) => i.Ec2InstanceId);
      await sim.control.seed({ loadBalancers: [{ LoadBalancerName: `bench-main-${pollSimSeconds}`, instances: ec2 }, { LoadBalancerName: `bench-half-${pollSimSeconds}`, instances: ec2.slice(0, 5) }] });
      const since = await sim.control.lastSeq();
      const before = membership(await sim.control.state());
      const services = localDeployServices({ doc: dynamo.doc, tables: dynamo.names, simulator: sim.endpoint });
      const poll = { lock: pollSimSeconds, drain: pollSimSeconds, deploy: pollSimSeconds, health: pollSimSeconds };
      const execution = await startLocalDeploy(
        { stackId, layerId, appId: seeded.appIds[0] ?? "", pollSeconds: poll, leaseSeconds: 2 * pollSimSeconds + 60 },
        { services, waitMs: pollSimSeconds * msPerSimSecond },
      );
      const result = await execution.result;
      const audit = await auditRollout(sim.control, since, before);
      const floorMs = instances * (drainSeconds + deploySeconds + healthSeconds) * msPerSimSecond;
      rows.push({
        "poll (sim s)": pollSimSeconds,
        status: result.status,
        "safe (event log)": audit.ok ? "yes" : "NO",
        transitions: result.transitions,
        "per instance": (result.transitions / instances).toFixed(1),
        "$ per 1000 deploys": ((result.transitions / 1000) * 0.025 * 1000).toFixed(2),
        "history events": result.historyEvents,
        "history per instance": (result.historyEvents / instances).toFixed(1),
        // One execution holds the whole rollout, so its history grows with the layer until the quota stops it.
        "instances before the quota": Math.floor(historyEventLimit / (result.historyEvents / instances)),
        "wall ms": result.wallMs,
        "floor ms": floorMs,
        "wall / floor": ratio(result.wallMs, floorMs),
      });
    }
    console.log(`${instances} instances, one at a time; simulated drain ${drainSeconds} s + deploy ${deploySeconds} s + health ${healthSeconds} s per instance at ${msPerSimSecond} ms per simulated second`);
    table(rows);
    console.log(`History: one execution's events per instance, and the largest layer one execution can roll before Step Functions' ${historyEventLimit.toLocaleString("en")}-event quota fails it.`);
    console.log("A shorter poll wastes less time after each phase ends but bills more transitions; the overhead above the floor is mostly the last poll interval of each phase plus task latency.");
  } finally {
    unregister();
    await sim.close();
    await dynamo.stop();
  }
}
