import { documentClient } from "@scythe/core/aws/dynamo";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { type Clock } from "@scythe/core/clock";
import { Deallocator } from "@scythe/core/deallocator";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { NameScheme, PlatformAppInventory, sweepInventories } from "@scythe/core/orphans";
import { type TableNames } from "@scythe/core/schema";
import { localDeployServices, startLocalDeploy } from "../stepfunctions/index.js";
import { localClientConfig, localDynamoClient } from "../world/clients.js";
import { meterClient } from "../world/meter.js";
import { startStreamPoller } from "../world/registryStream.js";
import type { LocalWorld } from "../world/world.js";
import { UsageCapture } from "./capture.js";
import { subtract, type Sample } from "./usage.js";

export interface FleetShape {
  /** Instances: each a registry resource with a live lease, an OpsWorks instance in one layer behind one load balancer. */
  readonly fleet: number;
  /** Leases that expire in the sample run (the per-lease cost is the difference from an idle sweep). */
  readonly expiringSample?: number;
  /** Old apps the reaper deletes in the sample run. */
  readonly appSample?: number;
  /** Simulated seconds for a drain, a deployment and a health check (the simulator's defaults: 300, 60, 30). */
  readonly deploySeconds?: { drain: number; deploy: number; health: number };
}

/** What each job consumed, per run or per unit of work, measured in the local world. */
export interface FleetMeasurement {
  readonly fleet: number;
  readonly expiryIdleRun: Sample;
  readonly perLeaseExpired: Sample;
  readonly perLeaseAcquired: Sample;
  readonly deallocatorRun: Sample;
  readonly orphansRun: Sample;
  readonly reaperIdleRun: Sample;
  readonly perAppReaped: Sample;
  readonly perDeploy: Sample;
  /** Simulated hours one rolling deploy of the whole fleet takes (one instance at a time). */
  readonly deployHours: number;
  readonly storedBytes: number;
  readonly samples: { readonly expiringLeases: number; readonly reapedApps: number };
}

/** Tears down nothing in the cloud: the cost counted is Scythe's own, not the OpsWorks API's (which is free). */
const noCloud: Blueprint = { name: "opsworks-instance", destroy: async () => "destroyed" };

const streamFilters = {
  // As the stacks' event source mappings filter the registry stream.
  lease: (r: DynamoDBStreamEvent["Records"][number]) => r.eventName === "INSERT" && (r.dynamodb?.Keys?.sk?.S ?? "").startsWith("cmd#"),
  deallocator: (r: DynamoDBStreamEvent["Records"][number]) => r.dynamodb?.Keys?.sk?.S === "record",
};

/**
 * Runs every job through its real Lambda handler (middy, Powertools logs and metrics) in
 * the local world, on a fleet of the given size, and counts what each consumed. The
 * world's stdout is captured while handlers run, so call this from a process whose
 * Powertools settings are the deployed ones (logs at INFO, metrics on).
 */
export async function measureFleet(world: Pick<LocalWorld, "endpoints" | "dynamo" | "simulator">, shape: FleetShape, progress: (line: string) => void = () => undefined): Promise<FleetMeasurement> {
  const { fleet } = shape;
  const expiring = Math.max(1, Math.min(shape.expiringSample ?? 10, fleet));
  const appSample = Math.max(1, shape.appSample ?? 10);
  const tables: TableNames = world.endpoints.tables;
  const names = NameScheme.forRegistry(tables.registry);
  const client = localDynamoClient(world.endpoints.dynamodb);
  const meter = meterClient(client);
  const doc = documentClient(client);
  const capture = new UsageCapture(meter);
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const leases = composeLeases({ doc, tables, blueprints: [noCloud], workerId: "cost", clock });
  const deallocator = new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker });
  const sim = world.simulator.control;
  const simConfig = localClientConfig(world.endpoints.simulator);
  const heroku = (token: string) => new HerokuPlatform({ baseUrl: world.endpoints.heroku, token, reserve: 50 });
  const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: tables.locks }), clock });

  const functions = {
    leases: (await import("@scythe/functions/leases/leases")).makeHandler(() => leases),
    sweep: (await import("@scythe/functions/leases/expirySweep")).makeHandler(() => leases),
    leaseStream: (await import("@scythe/functions/leases/streamWorker")).makeHandler(() => leases),
    deallocator: (await import("@scythe/functions/deallocator/reconcile")).makeHandler(() => deallocator),
    deallocatorStream: (await import("@scythe/functions/deallocator/stream")).makeHandler(() => deallocator),
    orphans: (await import("@scythe/functions/orphans/handler")).makeHandler(
      () => ({
        records: new DynamoOwnerRecords(doc, tables.registry),
        lock: { locks, waitMs: 30_000 },
        inventories: sweepInventories({ opsworks: new OpsWorksClient(simConfig), elb: new ElasticLoadBalancingClient(simConfig) }),
        apps: { load: async () => "sim-token", inventory: (token: string) => new PlatformAppInventory(heroku(token)) },
      }),
      { withApps: true },
    ),
    reaper: (await import("@scythe/functions/reaper/makeHandler")).makeHandler({ locks, platform: heroku, loadToken: async () => "sim-token", clock }),
  };
  const invoke = {
    leases: capture.invoker("leases", functions.leases as never),
    sweep: capture.invoker("lease-expiry", functions.sweep as never),
    leaseStream: capture.invoker("lease-stream", functions.leaseStream as never),
    deallocator: capture.invoker("deallocator", functions.deallocator as never),
    deallocatorStream: capture.invoker("deallocator-stream", functions.deallocatorStream as never),
    orphans: capture.invoker("orphans", functions.orphans as never),
    reaper: capture.invoker("reaper", functions.reaper as never),
  };

  // The registry's stream feeds the two consumers, filtered as the stacks filter it.
  const poller = await startStreamPoller({
    endpoint: world.endpoints.dynamodb,
    dynamo: world.dynamo,
    tableName: tables.registry,
    pollMs: 20,
    batchSize: 100,
    handler: async (event) => {
      const lease = event.Records.filter(streamFilters.lease);
      const dealloc = event.Records.filter(streamFilters.deallocator);
      if (lease.length > 0) await invoke.leaseStream({ Records: lease });
      if (dealloc.length > 0) await invoke.deallocatorStream({ Records: dealloc });
    },
  });

  try {
    progress(`seeding a fleet of ${fleet}: registry resources with live leases, OpsWorks instances behind a load balancer`);
    const stack = await sim.seed({ stacks: [{ Name: "cost-fleet" }] });
    const stackId = stack.stackIds[0] ?? "";
    const layer = await sim.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "app" }] });
    const layerId = layer.layerIds[0] ?? "";
    const resourceIds: string[] = [];
    const leaseIds: string[] = [];
    const acquire = await capture.measure(async () => {
      for (let i = 0; i < fleet; i++) {
        const resource = await leases.service.createResource({ kind: "host", blueprint: noCloud.name });
        resourceIds.push(resource.id);
        // The expiring sample's leases run out in an hour; the rest of the fleet's in a day.
        const out = (await invoke.leases({ action: "acquire", resourceId: resource.id, holder: "ci:cost", expiresInMs: i < expiring ? 3_600_000 : 86_400_000 })) as { lease: { id: string } };
        leaseIds.push(out.lease.id);
      }
      await poller.settled();
    });
    const instances = await sim.seed({
      instances: resourceIds.map((id, i) => ({ Hostname: names.name(id, `web-${i}`), StackId: stackId, LayerIds: [layerId], Status: "online" })),
    });
    await sim.seed({ loadBalancers: [{ LoadBalancerName: names.name(resourceIds[0] ?? "", "lb"), instances: instances.instances.map((i) => i.Ec2InstanceId) }] });
    const now = Date.now();
    await sim.seed({
      herokuApps: Array.from({ length: appSample }, (_, i) => ({ name: `hatchet-t-${(0xc0000 + i).toString(16)}`, created_at: new Date(now - 3 * 60_000).toISOString() })),
    });

    progress("measuring one run of each scheduled job on the idle fleet");
    const expiryIdleRun = await capture.measure(() => invoke.sweep({}));
    const deallocatorRun = await capture.measure(() => invoke.deallocator({ dryRun: false }));
    const orphansRun = await capture.measure(() => invoke.orphans({ dryRun: false }));
    const reaperIdleRun = await capture.measure(() => invoke.reaper({}));

    progress(`measuring ${expiring} lease expiries (sweep, stream consumers) and ${appSample} app deletions`);
    offset = 2 * 3_600_000;
    const expiryRun = await capture.measure(async () => {
      await invoke.sweep({});
      await poller.settled();
    });
    offset = 0;
    // The sample apps are now older than the reaper's 7-minute TTL.
    const reapRun = await capture.measure(() => invoke.reaper({ olderThanMinutes: 2 }));

    const seconds = shape.deploySeconds ?? { drain: 300, deploy: 60, health: 30 };
    progress(`measuring a rolling deploy of all ${fleet} instances, one at a time, with the state machine's own definition`);
    const msPerSimSecond = 0.2;
    await sim.config({ timeScale: msPerSimSecond, defaultDrainSeconds: seconds.drain, deploymentSeconds: seconds.deploy, healthCheckSeconds: seconds.health });
    const services = localDeployServices({ doc, tables, simulator: world.endpoints.simulator });
    const poll = { lock: 15, drain: 10, deploy: 30, health: 10 };
    let deployStatus = "";
    const perDeploy = await capture.measure(async () => {
      const execution = await startLocalDeploy(
        { stackId, layerId, appId: layer.appIds[0] ?? "" },
        {
          services,
          // The lock's Wait lasts its default poll interval in simulated time; the other Waits last what
          // the batch says (the drain timeout, the health-check backoff) on the simulator's clock.
          waitMs: { WaitForLock: poll.lock * msPerSimSecond },
          wrapTask: (state, task) => capture.invoker(`deploy-${state}`, task as never) as typeof task,
        },
      );
      const result = await execution.result;
      deployStatus = result.status;
      capture.addTransitions(result.transitions);
    });
    if (deployStatus !== "SUCCEEDED") throw new Error(`the measured deploy ended ${deployStatus}`);

    const storedBytes = await tableBytes(doc, tables);
    const per = (s: Sample, n: number): Sample => ({
      ...s,
      invocations: s.invocations / n, billedMs: s.billedMs / n, requests: s.requests / n, readUnits: s.readUnits / n,
      writeUnits: s.writeUnits / n, transitions: s.transitions / n, logBytes: s.logBytes / n,
    });
    return {
      fleet,
      expiryIdleRun,
      perLeaseExpired: per(subtract(expiryRun, expiryIdleRun), expiring),
      perLeaseAcquired: per(acquire, fleet),
      deallocatorRun,
      orphansRun,
      reaperIdleRun,
      perAppReaped: per(subtract(reapRun, reaperIdleRun), appSample),
      perDeploy,
      deployHours: (fleet * (seconds.drain + seconds.deploy + seconds.health)) / 3600,
      storedBytes,
      samples: { expiringLeases: expiring, reapedApps: appSample },
    };
  } finally {
    await poller.stop();
    client.destroy();
  }
}

/** Bytes of every item in Scythe's tables (JSON size plus the 100 bytes DynamoDB adds per item for storage). */
async function tableBytes(doc: DynamoDBDocumentClient, tables: TableNames): Promise<number> {
  let bytes = 0;
  for (const table of [tables.locks, tables.registry]) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) bytes += Buffer.byteLength(JSON.stringify(item, (_k, v: unknown) => (v instanceof Set ? [...v] : v))) + 100;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return bytes;
}
