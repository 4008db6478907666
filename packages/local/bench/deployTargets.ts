import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "@scythe/core/schema";
import { startFleetSimulator, type FleetSimulator } from "../src/sim/index.js";
import { auditRollout, localDeployServices, membership, startLocalDeploy, type LocalExecutionResult } from "../src/stepfunctions/index.js";
import { auditEc2Rollout, targetMembership } from "../src/world/ec2Audit.js";
import { ratio, table } from "./support.js";

/**
 * The two deploy targets side by side, same fleet shape and same timings, one at a time on
 * AWS's defaults (300 s draining / deregistration delay, a 60 s deployment / command,
 * healthy after 3 checks 10 s apart), in the same process and on the same clock:
 * - OpsWorks layer behind two classic load balancers (all instances in one, half in the other);
 * - EC2 Auto Scaling group behind two target groups (likewise), deployed to with SSM Run Command.
 * Per target: state transitions per instance, the direct reads of the deployment or command
 * (what a lost event costs; none when every event comes), and wall time against the floor
 * (the simulated drain + deploy + health no one-at-a-time rollout can beat). Figures only.
 */
export async function run(dynamo: { readonly doc: DynamoDBDocumentClient; readonly names: TableNames }): Promise<void> {
  const instances = Number(process.env.SCYTHE_BENCH_TARGETS_INSTANCES ?? 10);
  const msPerSimSecond = Number(process.env.SCYTHE_BENCH_TARGETS_SCALE ?? 2);
  const timing = { drain: 300, deploy: 60, health: 30 };
  const floorMs = instances * (timing.drain + timing.deploy + timing.health) * msPerSimSecond;
  const rows: Record<string, string | number>[] = [];
  const row = (target: string, result: LocalExecutionResult, safe: boolean, reads: number) => {
    rows.push({
      target,
      status: result.status,
      "safe (event log)": safe ? "yes" : "NO",
      transitions: result.transitions,
      "per instance": (result.transitions / instances).toFixed(1),
      "direct reads": reads,
      "wall ms": result.wallMs,
      "floor ms": floorMs,
      "wall / floor": ratio(result.wallMs, floorMs),
    });
    if (result.status !== "SUCCEEDED") console.log(`${target}: ${result.error ?? ""} ${(result.cause ?? "").slice(0, 400)}`);
  };
  const withSim = async (seed: number, body: (sim: FleetSimulator) => Promise<void>) => {
    // A seed of its own: the deploy bench's other runs share these tables, and a simulator's ids follow its seed.
    const sim = await startFleetSimulator({ timeScale: msPerSimSecond, seed });
    try {
      await sim.control.config({
        deploymentSeconds: timing.deploy,
        healthCheckSeconds: timing.health,
        defaultDrainSeconds: timing.drain,
        opsworksEventMaxDelaySeconds: 2,
        ssmPendingSeconds: 1,
        ssmRunSeconds: timing.deploy - 1,
        ssmEventMaxDelaySeconds: 2,
      });
      await body(sim);
    } finally {
      await sim.close();
    }
  };
  const services = (sim: FleetSimulator) => localDeployServices({ doc: dynamo.doc, tables: dynamo.names, simulator: sim.endpoint });
  // The lease must outlast the longest Wait (a 300 s drain): 2 x 300 + 10.
  const rollout = { leaseSeconds: 700 };

  await withSim(1301, async (sim) => {
    const { stackIds } = await sim.control.seed({ stacks: [{ Name: "targets-ow" }] });
    const StackId = stackIds[0] ?? "";
    const { layerIds, appIds } = await sim.control.seed({ layers: [{ StackId, Name: "web" }], apps: [{ StackId, Name: "app" }] });
    const fleet = await sim.control.seed({ instances: Array.from({ length: instances }, (_, i) => ({ Hostname: `web${i + 1}`, StackId, LayerIds: [layerIds[0] ?? ""] })) });
    const ec2 = fleet.instances.map((i) => i.Ec2InstanceId);
    await sim.control.seed({ loadBalancers: [{ LoadBalancerName: "targets-a", instances: ec2 }, { LoadBalancerName: "targets-b", instances: ec2.slice(0, instances / 2) }] });
    const since = await sim.control.lastSeq();
    const before = membership(await sim.control.state());
    const execution = await startLocalDeploy({ opsworks: { stackId: StackId, layerId: layerIds[0] ?? "", appId: appIds[0] ?? "" }, ...rollout }, { services: services(sim) });
    const result = await execution.result;
    const audit = await auditRollout(sim.control, since, before);
    row("OpsWorks + classic ELB", result, audit.ok, (await sim.control.calls("DescribeDeployments", since)).length);
  });

  await withSim(1302, async (sim) => {
    const ids = Array.from({ length: instances }, (_, i) => `i-${(0xbe00 + i).toString(16).padStart(17, "0")}`);
    const group = (name: string, targets: string[]) => ({ TargetGroupName: name, LoadBalancerNames: ["targets-front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: timing.drain, targets });
    await sim.control.seed({
      ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: "targets-asg", Tags: [{ Key: "Name", Value: `web${i + 1}` }] })),
      loadBalancersV2: [{ LoadBalancerName: "targets-front" }],
      targetGroups: [group("targets-a", ids), group("targets-b", ids.slice(0, instances / 2))],
    });
    const since = await sim.control.lastSeq();
    const before = targetMembership(await sim.control.state());
    const execution = await startLocalDeploy({ ec2: { asg: "targets-asg", commands: ["./deploy.sh"] }, ...rollout }, { services: services(sim) });
    const result = await execution.result;
    const audit = await auditEc2Rollout(sim.control, since, before);
    const commands = Object.values(audit.commandsPerInstance);
    const safe = audit.zeroHealthy.length === 0 && audit.notReattached.length === 0 && audit.attachedElsewhere.length === 0 && !audit.membershipChanged && commands.length === instances && commands.every((n) => n === 1);
    const reads = (await sim.control.events(since)).filter((e) => e.kind === "call" && e.service === "ssm" && ["GetCommandInvocation", "ListCommandInvocations", "ListCommands"].includes(e.action)).length;
    row("EC2 + target groups + SSM", result, safe, reads);
  });

  console.log(`\nBoth targets, ${instances} instances one at a time: simulated drain ${timing.drain} s + deploy ${timing.deploy} s + health ${timing.health} s per instance at ${msPerSimSecond} ms per simulated second`);
  table(rows);
  console.log("Direct reads: DescribeDeployments (OpsWorks) or GetCommandInvocation / ListCommand* (SSM); each wait is completed by its events, so a read is the cost of a lost or late event.");
}
