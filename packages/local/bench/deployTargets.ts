import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TargetGroups, type TargetHealthRow } from "@scythe/core/aws/elbv2";
import type { TableNames } from "@scythe/core/schema";
import { startFleetSimulator, type FleetSimulator, type SimEvent } from "../src/sim/index.js";
import { auditRollout, localDeployServices, membership, startLocalDeploy, type LocalExecutionResult } from "../src/stepfunctions/index.js";
import { localClientConfig } from "../src/world/clients.js";
import { auditEc2Rollout, targetMembership } from "../src/world/ec2Audit.js";
import { localEc2Deploy } from "../src/world/ec2Deploy.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * The two deploy targets side by side, same fleet shape and same timings, one at a time on
 * AWS's defaults (300 s draining / deregistration delay, a 60 s deployment / command,
 * healthy after 3 checks 10 s apart), in the same process and on the same clock:
 * - OpsWorks layer behind two classic load balancers (all instances in one, half in the other);
 * - EC2 Auto Scaling group behind two target groups (likewise), deployed to with SSM Run Command.
 * Per target: state transitions per instance, the direct reads of the deployment or command
 * (what a lost event costs; none when every event comes), and wall time against the floor
 * (the simulated drain + deploy + health no one-at-a-time rollout can beat).
 *
 * Then a fleet of target groups (default 1,000 instances, all in one group, half in another):
 * what the rollout reads with DescribeTargetHealth, by Scythe's TargetGroups (each step asks
 * about its instances by id) against a baseline run in the same process with the same adapter
 * made to read the whole group at every step (as it did before): requests, whole-group reads
 * and rows answered per batch. Figures only: nothing here passes or fails.
 *
 * Standalone (`npm run bench -- deployTargets`) it starts its own DynamoDB Local; the deploy
 * bench passes its own. SCYTHE_BENCH_TARGETS_FLEET (0: skip), SCYTHE_BENCH_TARGETS_BATCHES
 * ("10,1"), SCYTHE_BENCH_TARGETS_BASELINE=0 skips the whole-group baseline.
 */
export async function run(given?: { readonly doc: DynamoDBDocumentClient; readonly names: TableNames }): Promise<void> {
  const own = given ? undefined : await benchDynamo("bench-targets-");
  const dynamo = given ?? own;
  if (!dynamo) return;
  try {
    if (process.env.SCYTHE_BENCH_TARGETS_SIDE !== "0") await sideBySide(dynamo);
    if (process.env.SCYTHE_BENCH_TARGETS_FLEET !== "0") await fleetReads(dynamo);
  } finally {
    await own?.stop();
  }
}

async function sideBySide(dynamo: { readonly doc: DynamoDBDocumentClient; readonly names: TableNames }): Promise<void> {
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

/** The adapter as it read before: every step's health, detach and attach read the whole group and picked their instances out. */
class WholeGroupReads extends TargetGroups {
  override async targets(targetGroupArn: string, instanceIds?: readonly string[]): Promise<TargetHealthRow[]> {
    const rows = await super.targets(targetGroupArn);
    if (!instanceIds || instanceIds.length === 0) return rows;
    const wanted = new Set(instanceIds);
    return rows.filter((r) => wanted.has(r.id));
  }
}

/** Targets a DescribeTargetHealth request names; 0 is the whole group. */
const namedTargets = (e: SimEvent): number => Object.keys(e.params as object).filter((k) => /^Targets\.member\.\d+\.Id$/.test(k)).length;

/**
 * One EC2 rollout of `instances` behind two target groups (all in "a", half in "b"), per batch
 * size, by Scythe's adapter and by the whole-group baseline, on a fast clock; what it read.
 */
async function fleetReads(dynamo: { readonly doc: DynamoDBDocumentClient; readonly names: TableNames }): Promise<void> {
  const instances = Number(process.env.SCYTHE_BENCH_TARGETS_FLEET ?? 1000);
  const batchSizes = (process.env.SCYTHE_BENCH_TARGETS_BATCHES ?? "10,1").split(",").map(Number);
  const msPerSimSecond = 1;
  const timing = { drain: 20, deploy: 30, health: 10 };
  const variants = [
    ...(process.env.SCYTHE_BENCH_TARGETS_BASELINE === "0" ? [] : [{ name: "baseline: whole group each step", Adapter: WholeGroupReads }]),
    { name: "scythe: by id", Adapter: TargetGroups },
  ];
  const rows: Record<string, string | number>[] = [];
  const perBatchRows = new Map<string, number>();
  let seed = 0;
  for (const batchSize of batchSizes) {
    for (const variant of variants) {
      seed++;
      const sim = await startFleetSimulator({ timeScale: msPerSimSecond, seed: 1400 + seed });
      try {
        await sim.control.config({ defaultDrainSeconds: timing.drain, ssmPendingSeconds: 1, ssmRunSeconds: timing.deploy - 1, ssmEventMaxDelaySeconds: 2 });
        const asg = `fleet-${seed}`;
        const ids = Array.from({ length: instances }, (_, i) => `i-${(0xf0000 * seed + i).toString(16).padStart(17, "0")}`);
        const group = (name: string, targets: string[]) => ({ TargetGroupName: name, LoadBalancerNames: [`${asg}-front`], HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2, DeregistrationDelaySeconds: timing.drain, targets });
        await sim.control.seed({
          ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: asg, Tags: [{ Key: "Name", Value: `web${i + 1}` }] })),
          loadBalancersV2: [{ LoadBalancerName: `${asg}-front` }],
          targetGroups: [group(`${asg}-a`, ids), group(`${asg}-b`, ids.slice(0, instances / 2))],
        });
        const sizes = new Map((await sim.control.state()).targetGroups.map((tg) => [tg.arn, tg.targets.length]));
        const since = await sim.control.lastSeq();
        const before = targetMembership(await sim.control.state());
        const services = localDeployServices({ doc: dynamo.doc, tables: dynamo.names, simulator: sim.endpoint });
        const elbv2 = new ElasticLoadBalancingV2Client({ ...localClientConfig(sim.endpoint), maxAttempts: 3 });
        // The same services object (the runner finds the simulator through it), with this variant's adapter on one client.
        const withAdapter = Object.assign(services, { ec2: (target: Parameters<typeof localEc2Deploy>[1]) => ({ ...localEc2Deploy(sim.endpoint, target), loadBalancers: new variant.Adapter(elbv2) }) });
        const started = Date.now();
        const execution = await startLocalDeploy({ ec2: { asg, commands: ["./deploy.sh"] }, batchSize, leaseSeconds: 300 }, { services: withAdapter });
        const result = await execution.result;
        const wallS = (Date.now() - started) / 1000;
        elbv2.destroy();
        const audit = await auditEc2Rollout(sim.control, since, before);
        const commands = Object.values(audit.commandsPerInstance);
        const safe = audit.zeroHealthy.length === 0 && audit.notReattached.length === 0 && !audit.membershipChanged && commands.length === instances && commands.every((n) => n === 1);
        const reads = (await sim.control.calls("DescribeTargetHealth", since)).filter((e) => e.outcome === "ok");
        const whole = reads.filter((e) => namedTargets(e) === 0);
        const named = reads.filter((e) => namedTargets(e) > 0);
        // A whole-group read answers every registration (about the group's size); a named one a row per target named (one port each here).
        const answered = whole.reduce((sum, e) => sum + (sizes.get(String((e.params as Record<string, string>).TargetGroupArn)) ?? 0), 0) + named.reduce((sum, e) => sum + namedTargets(e), 0);
        const batches = Math.ceil(instances / batchSize);
        perBatchRows.set(`${batchSize} ${variant.name}`, answered / batches);
        rows.push({
          adapter: variant.name,
          batch: batchSize,
          status: result.status,
          "safe (event log)": safe ? "yes" : "NO",
          "DescribeTargetHealth / batch": (reads.length / batches).toFixed(2),
          "whole-group reads": whole.length,
          "whole / batch": (whole.length / batches).toFixed(2),
          "targets named / batch": (named.reduce((sum, e) => sum + namedTargets(e), 0) / batches).toFixed(1),
          "rows answered / batch": (answered / batches).toFixed(0),
          "rows vs baseline": ratio(answered / batches, perBatchRows.get(`${batchSize} ${variants[0]?.name ?? ""}`) ?? 0),
          "wall s": wallS.toFixed(0),
        });
        if (result.status !== "SUCCEEDED") console.log(`${variant.name}, batch ${batchSize}: ${result.error ?? ""} ${(result.cause ?? "").slice(0, 400)}`);
      } finally {
        await sim.close();
      }
    }
  }
  console.log(`\nEC2 behind two target groups, ${instances.toLocaleString("en")} instances (all in one group, half in the other); simulated drain ${timing.drain} s + command ${timing.deploy} s + health ${timing.health} s at ${msPerSimSecond} ms per simulated second`);
  table(rows);
  console.log("Whole-group reads left in Scythe's run are the plan's membership list (LoadBalancers.list), one per group and batch; health, detach and attach name their instances.");
}
