import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import { startFleetSimulator, type FleetSimulator } from "../src/sim/index.js";
import { onShutdown } from "../src/world/shutdown.js";
import { auditRollout, historyEventLimit, localDeployServices, membership, runningTaskState, startLocalDeploy, type LocalExecutionResult } from "../src/stepfunctions/index.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * Rolling deploys in the simulator, run by the real definitions and handlers (the parent
 * and its runs of batches), each Wait and heartbeat on the simulator's clock:
 * - 10 instances, one at a time, with AWS's default timings: state transitions per
 *   instance (what Step Functions Standard bills) and wall time against the floor, the
 *   simulated drain + deploy + health-check time no one-at-a-time rollout can beat;
 * - 1,000 instances behind two load balancers, batches of 1 and 10, on a faster clock:
 *   the largest execution history (quota 25,000 per execution), transitions per instance
 *   and the Step Functions cost per 100 instances.
 * Figures only: nothing here passes or fails.
 */
const pricePerTransition = 0.025 / 1000;

async function seedLayer(sim: FleetSimulator, name: string, instances: number, split: number) {
  const stack = await sim.control.seed({ stacks: [{ Name: name }] });
  const stackId = stack.stackIds[0] ?? "";
  const seeded = await sim.control.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "app" }] });
  const fleet = await sim.control.seed({
    instances: Array.from({ length: instances }, (_, i) => ({ Hostname: `web${i + 1}`, StackId: stackId, LayerIds: [seeded.layerIds[0] ?? ""] })),
  });
  const ec2 = fleet.instances.map((i) => i.Ec2InstanceId);
  await sim.control.seed({ loadBalancers: [{ LoadBalancerName: `${name}-a`, instances: ec2 }, { LoadBalancerName: `${name}-b`, instances: ec2.slice(0, split) }] });
  return { stackId, layerId: seeded.layerIds[0] ?? "", appId: seeded.appIds[0] ?? "" };
}

/**
 * Where the wall time went, per state, per instance: real ms spent in the state, the part of
 * it that is the floor (the simulated drain, deploy and health time at this clock), and the
 * excess, in real ms and in simulated seconds. RollBatches (the parent waiting on its child)
 * is the children's states again, so it is left out; `engine` is the runner between states.
 */
function breakdown(result: LocalExecutionResult, instances: number, msPerSimSecond: number, floorSeconds: Readonly<Record<string, number>>): void {
  const rows = Object.entries(result.dwellMs)
    .filter(([state]) => state !== "RollBatches")
    .map(([state, ms]) => {
      const floorMs = (floorSeconds[state] ?? 0) * msPerSimSecond * instances;
      const excess = (ms - floorMs) / instances;
      return { state, entered: result.entered[state] ?? 0, ms, floorMs, excess };
    })
    .sort((a, b) => b.excess - a.excess);
  const excessMs = rows.reduce((sum, r) => sum + r.excess, 0);
  table(
    rows.map((r) => ({
      state: r.state,
      entered: r.entered,
      "real ms": Math.round(r.ms),
      "floor ms": Math.round(r.floorMs),
      "excess ms / instance": r.excess.toFixed(1),
      "excess sim s / instance": (r.excess / msPerSimSecond).toFixed(1),
    })),
  );
  const floorPerInstance = Object.values(floorSeconds).reduce((a, b) => a + b, 0);
  console.log(
    `Excess: ${excessMs.toFixed(0)} real ms per instance (${(excessMs / msPerSimSecond).toFixed(1)} simulated s at this clock). ` +
      `The same ${excessMs.toFixed(0)} ms against AWS's clock (1,000 ms per second, a ${floorPerInstance} s floor per instance) would be ` +
      `${(1 + excessMs / (floorPerInstance * 1000)).toFixed(4)}x the floor.`,
  );
}

/**
 * DescribeInstanceHealth during a rollout: requests per batch, and instances named per
 * request (0 = the whole load balancer: every registered instance answered).
 */
async function healthAsks(sim: FleetSimulator, since: number, batches: number): Promise<{ perBatch: string; namedPerRequest: string; whole: number }> {
  const calls = await sim.control.calls("DescribeInstanceHealth", since);
  const named = calls.map((e) => Object.keys(e.params as object).filter((k) => /^Instances\.member\.\d+\.InstanceId$/.test(k)).length);
  const asked = named.filter((k) => k > 0);
  return {
    perBatch: (calls.length / Math.max(1, batches)).toFixed(2),
    namedPerRequest: asked.length === 0 ? "-" : (asked.reduce((a, b) => a + b, 0) / asked.length).toFixed(1),
    whole: named.length - asked.length,
  };
}

/**
 * Every HTTP request a task's Lambda makes (to DynamoDB Local or the simulator), by task state
 * and operation: how many per instance and their real ms, to see where a task's latency goes.
 */
function requestTally() {
  const started = new WeakMap<ClientRequest, { state: string; op: string; at: number }>();
  const rows = new Map<string, { state: string; op: string; n: number; ms: number }>();
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const state = runningTaskState.getStore();
    if (state === undefined) return;
    const target = request.getHeader("x-amz-target");
    const op = typeof target === "string" ? target.replace(/^.*\./, "") : `${request.method} ${request.host}${request.path.split("?")[0] ?? ""}`;
    started.set(request, { state, op, at: performance.now() });
  };
  const onFinish = (message: unknown) => {
    const { request } = message as { request: ClientRequest; response: IncomingMessage };
    const s = started.get(request);
    if (!s) return;
    const key = `${s.state} ${s.op}`;
    const row = rows.get(key) ?? { state: s.state, op: s.op, n: 0, ms: 0 };
    row.n += 1;
    row.ms += performance.now() - s.at;
    rows.set(key, row);
  };
  subscribe("http.client.request.start", onStart);
  subscribe("http.client.response.finish", onFinish);
  return {
    print(instances: number) {
      unsubscribe("http.client.request.start", onStart);
      unsubscribe("http.client.response.finish", onFinish);
      const sorted = [...rows.values()].sort((a, b) => a.state.localeCompare(b.state) || b.ms - a.ms);
      table(sorted.map((r) => ({ state: r.state, request: r.op, "per instance": (r.n / instances).toFixed(1), "ms each": (r.ms / r.n).toFixed(1) })));
    },
  };
}

export async function run(): Promise<void> {
  const dynamo = await benchDynamo("bench-deploy-");
  const sims: FleetSimulator[] = [];
  const unregister = onShutdown(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });
  try {
    const services = (sim: FleetSimulator) => localDeployServices({ doc: dynamo.doc, tables: dynamo.names, simulator: sim.endpoint });

    // 0. A warm-up rollout, not measured: a fresh DynamoDB Local's first writes take 100-450 ms
    //    while its JIT warms (AcquireLock and Prepare paid 150-270 ms per instance of a
    //    10-instance rollout for it), a cost no table in AWS has. SCYTHE_BENCH_DEPLOY_WARMUP=0 skips it.
    if (process.env.SCYTHE_BENCH_DEPLOY_WARMUP !== "0") {
      const sim = await startFleetSimulator({ timeScale: 1, seed: 7 });
      sims.push(sim);
      const ids = await seedLayer(sim, "warmup", 4, 2);
      const warm = await (await startLocalDeploy({ ...ids, leaseSeconds: 700 }, { services: services(sim) })).result;
      console.log(`warm-up: a 4-instance rollout at 1 ms per simulated second, ${warm.status}, ${warm.wallMs} ms (not measured)`);
      await sim.close();
    }

    // 1. Ten instances with AWS's defaults (300 s draining, HealthyThreshold 3 x Interval 10 s),
    //    on two clocks: if the excess over the floor is the same real ms per instance on both,
    //    it is per-task latency, not waiting, and shrinks against AWS's real clock.
    for (const msPerSimSecond of (process.env.SCYTHE_BENCH_DEPLOY_SCALES ?? "2,10,50").split(",").map(Number)) {
      const instances = 10;
      const timing = { drain: 300, deploy: 60, health: 30 };
      // A seed per simulator: one seed mints the same deployment ids, and the tables are shared.
      const sim = await startFleetSimulator({ timeScale: msPerSimSecond, seed: 20 + msPerSimSecond });
      sims.push(sim);
      await sim.control.config({ deploymentSeconds: timing.deploy, healthCheckSeconds: timing.health, defaultDrainSeconds: timing.drain, opsworksEventMaxDelaySeconds: 2 });
      const ids = await seedLayer(sim, "bench10", instances, 5);
      const since = await sim.control.lastSeq();
      const before = membership(await sim.control.state());
      // The lease must outlast the longest Wait (a 300 s drain): 2 x 300 + 10.
      const requests = process.env.SCYTHE_BENCH_DEPLOY_REQUESTS === "1" ? requestTally() : undefined;
      const execution = await startLocalDeploy({ ...ids, leaseSeconds: 700 }, { services: services(sim) });
      const result = await execution.result;
      requests?.print(instances);
      const audit = await auditRollout(sim.control, since, before);
      const checks = (await sim.control.calls("DescribeDeployments", since)).length;
      const health = await healthAsks(sim, since, instances);
      const floorMs = instances * (timing.drain + timing.deploy + timing.health) * msPerSimSecond;
      console.log(`${instances} instances, one at a time: simulated drain ${timing.drain} s + deploy ${timing.deploy} s + health ${timing.health} s per instance; time scale ${msPerSimSecond} ms per simulated second`);
      table([
        {
          status: result.status,
          "safe (event log)": audit.ok ? "yes" : "NO",
          transitions: result.transitions,
          "per instance": (result.transitions / instances).toFixed(1),
          "DescribeDeployments": checks,
          "largest history": result.largestHistory,
          "largest payload B": result.largestPayloadBytes,
          "DescribeInstanceHealth / batch": health.perBatch,
          "ids / request": health.namedPerRequest,
          "whole-LB asks": health.whole,
          "wall ms": result.wallMs,
          "floor ms": floorMs,
          "time scale": `${msPerSimSecond} ms / sim s`,
          "wall / floor": ratio(result.wallMs, floorMs),
        },
      ]);
      if (result.status !== "SUCCEEDED") console.log(`${result.error ?? ""} ${(result.cause ?? "").slice(0, 600)}`);
      breakdown(result, instances, msPerSimSecond, { WaitForDrain: timing.drain, AwaitDeployment: timing.deploy, WaitForHealth: timing.health });
      console.log("Before this design (Wait + poll + Choice loops, 30 s poll): 43 transitions per instance, 1.15x the floor; 10 s poll: 88, 1.30x.");
      await sim.close();
    }
    await (await import("./deployTargets.js")).run(dynamo);
    if (process.env.SCYTHE_BENCH_DEPLOY_FLEET === "0") return;

    // 2. A thousand instances behind two load balancers (all in one, half in the other).
    {
      const instances = Number(process.env.SCYTHE_BENCH_DEPLOY_INSTANCES ?? 1000);
      const msPerSimSecond = 1;
      const timing = { drain: 20, deploy: 30, health: 10 };
      const rows: Record<string, string | number>[] = [];
      for (const batchSize of (process.env.SCYTHE_BENCH_DEPLOY_BATCHES ?? "10,1").split(",").map(Number)) {
        // A seed per simulator: one seed mints the same deployment ids, and the tables are shared.
        const sim = await startFleetSimulator({ timeScale: msPerSimSecond, seed: 2000 + batchSize });
        sims.push(sim);
        await sim.control.config({ deploymentSeconds: timing.deploy, healthCheckSeconds: timing.health, defaultDrainSeconds: timing.drain, opsworksEventMaxDelaySeconds: 2 });
        const ids = await seedLayer(sim, `bench${instances}x${batchSize}`, instances, instances / 2);
        const since = await sim.control.lastSeq();
        const before = membership(await sim.control.state());
        const started = Date.now();
        const execution = await startLocalDeploy({ ...ids, batchSize, leaseSeconds: 300 }, { services: services(sim) });
        const result = await execution.result;
        const audit = await auditRollout(sim.control, since, before);
        const deployments = Object.values(audit.deploymentsPerInstance);
        const health = await healthAsks(sim, since, Math.ceil(instances / batchSize));
        rows.push({
          batch: batchSize,
          status: result.status,
          "safe (event log)": audit.ok && deployments.length === instances && deployments.every((n) => n === 1) ? "yes" : "NO",
          executions: 1 + result.children.length,
          "parent history": result.historyEvents,
          "largest history": result.largestHistory,
          "of quota": `${((result.largestHistory / historyEventLimit) * 100).toFixed(1)}%`,
          transitions: result.transitions,
          "per instance": (result.transitions / instances).toFixed(2),
          "$ per 100 instances": ((result.transitions / instances) * 100 * pricePerTransition).toFixed(4),
          // The plan is in the journal; a state carries the cursor and the batch in progress (quota 262,144 bytes).
          "largest payload B": result.largestPayloadBytes,
          "DescribeInstanceHealth / batch": health.perBatch,
          "ids / request": health.namedPerRequest,
          "whole-LB asks": health.whole,
          "wall s": ((Date.now() - started) / 1000).toFixed(0),
        });
        if (result.status !== "SUCCEEDED") console.log(`batch ${batchSize}: ${result.error ?? ""} ${(result.cause ?? "").slice(0, 400)}`);
        await sim.close();
      }
      console.log(`\n${instances.toLocaleString("en")} instances behind two load balancers; simulated drain ${timing.drain} s + deploy ${timing.deploy} s + health ${timing.health} s at ${msPerSimSecond} ms per simulated second`);
      table(rows);
      console.log(`Each run of batches is a child execution (startExecution.sync:2, 25 batches each); Step Functions Standard at $0.025 per 1,000 transitions.`);
    }
  } finally {
    unregister();
    await Promise.all(sims.map((s) => s.close()));
    await dynamo.stop();
  }
}
