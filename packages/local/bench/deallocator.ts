import { documentClient } from "@scythe/core/aws/dynamo";
// `npm run bench -- deallocator`: deallocating one resource in a registry of 1,000 and of BENCH_REGISTRY (100,000) records.
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Deallocator } from "@scythe/core/deallocator";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { deletionShardOf } from "@scythe/core/registry";
import { localDynamoClient } from "../src/world/clients.js";
import { meterClient, type MeterReading } from "../src/world/meter.js";
import { cachedDynamo, ratio, seed, table } from "./support.js";

const sizes = [1_000, Number(process.env.BENCH_REGISTRY ?? 1_000_000)];
// Beyond this, the scan row is worked out from the table's size (DescribeTable) instead of scanning it.
const scanUpTo = 100_000;
const plain: Blueprint = { name: "bench", destroy: async () => "destroyed" };

/** `size` records: hosts nobody marked, and one marked network referenced by two services already destroyed. */
function registry(size: number, now: number, tag: string) {
  const network = `net-${tag}`;
  const services = [0, 1].map((i) => `${network}-svc-${i}`);
  const base = { sk: "record", type: "resource", kind: "host", blueprint: plain.name, attributes: {}, version: 2, createdAt: now, updatedAt: now };
  const items: Record<string, unknown>[] = [
    { ...base, pk: `resource#${network}`, id: network, kind: "network", status: "active", references: [], referencedBy: new Set(services), deleteRequested: true, deletionShard: deletionShardOf(`resource#${network}`) },
    ...services.map((id) => ({ ...base, pk: `resource#${id}`, id, kind: "service", status: "destroyed", references: [network] })),
  ];
  for (let i = items.length; i < size; i++) items.push({ ...base, pk: `resource#${network}-h-${i}`, id: `${network}-h-${i}`, status: "active", references: [] });
  return { network, items };
}

const row = (what: string, r: MeterReading) => ({ what, requests: r.requests, RCU: r.readCapacity.toFixed(1), WCU: r.writeCapacity.toFixed(1), reads: Object.entries(r.byCommand).map(([c, n]) => `${n} ${c.replace("Command", "")}`).join(", ") });

export async function run(): Promise<void> {
  const rows = [];
  const costs: Record<number, { evaluate: MeterReading; reconcile: MeterReading; scan: MeterReading }> = {};
  for (const size of sizes) {
    // The same records on every run: built once into a database file, started from a copy of it.
    const first = registry(size, 0, `${size}-a`);
    const second = registry(0, 0, `${size}-b`);
    console.log(`registry of ${size.toLocaleString()} records…`);
    const world = await cachedDynamo(`bench-dealloc-${size}-`, JSON.stringify({ size, items: registry.toString(), shard: deletionShardOf.toString() }), async (w) => {
      const now = Date.now();
      const items = [...registry(size, now, `${size}-a`).items, ...registry(0, now, `${size}-b`).items];
      console.log(`building the prebuilt database once: seeding ${items.length.toLocaleString()} records…`);
      console.log(`seeded in ${(await seed(w.doc, w.names.registry, items)).toFixed(1)} s`);
    });
    console.log(`ready in ${world.seconds.toFixed(1)} s (${world.fromCache ? "DynamoDB Local started on a copy of the prebuilt database" : "built now, kept for the next runs"})`);
    try {
      const client = localDynamoClient(world.endpoint);
      const meter = meterClient(client);
      const doc = documentClient(client);
      const { registry: reg, queue, worker } = composeLeases({ doc, tables: world.names, blueprints: [plain], workerId: "bench" });
      const deallocator = new Deallocator({ registry: reg, queue, worker });

      // From the registry's stream: one resource looked at and deallocated.
      const evaluated = await deallocator.evaluate([first.network]);
      const evaluate = meter.reading();
      meter.reset();
      // The reconciling pass (schedule, deploy): finds its candidates in the sparse index.
      const reconciled = await deallocator.reconcile();
      const reconcile = meter.reading();
      meter.reset();
      // What the pass did before: list the registry (twice per deallocation: resources, then leases).
      let scan: MeterReading;
      if (size <= scanUpTo) {
        let startKey: Record<string, unknown> | undefined;
        do {
          startKey = (await doc.send(new ScanCommand({ TableName: world.names.registry, ExclusiveStartKey: startKey }))).LastEvaluatedKey;
        } while (startKey);
        scan = meter.reading();
      } else {
        // What a scan would read: the table's bytes in 4 KB units, eventually consistent (half a unit each), one request per 1 MB page.
        const described = (await client.send(new DescribeTableCommand({ TableName: world.names.registry }))).Table;
        const bytes = described?.TableSizeBytes ?? 0;
        scan = { requests: Math.ceil(bytes / 1_048_576), readCapacity: Math.ceil(bytes / 4096) / 2, writeCapacity: 0, byCommand: { "ScanCommand (from DescribeTable's size)": Math.ceil(bytes / 1_048_576) }, readFloorTopUp: 0 };
      }
      client.destroy();
      if (!evaluated.destroyed.includes(first.network) || !reconciled.destroyed.includes(second.network)) {
        console.log(`unexpected: ${JSON.stringify({ evaluated, reconciled })}`);
      }
      costs[size] = { evaluate, reconcile, scan };
      rows.push(row(`${size.toLocaleString()}: evaluate (stream)`, evaluate), row(`${size.toLocaleString()}: reconcile (pass)`, reconcile), row(`${size.toLocaleString()}: one scan of the table`, scan));
    } finally {
      await world.stop();
    }
  }
  console.log("\nDeallocating one marked network (two referrers, both destroyed) — requests and capacity:");
  table(rows);
  const [small, large] = sizes.map((s) => costs[s]);
  if (small && large) {
    console.log(`\n${sizes[1]?.toLocaleString()} vs ${sizes[0]?.toLocaleString()} records: evaluate ${ratio(large.evaluate.requests, small.evaluate.requests)} the requests, ${ratio(large.evaluate.readCapacity, small.evaluate.readCapacity)} the RCU; reconcile ${ratio(large.reconcile.requests, small.reconcile.requests)} the requests, ${ratio(large.reconcile.readCapacity, small.reconcile.readCapacity)} the RCU`);
    console.log(`the old pass (two scans per deallocation) at ${sizes[1]?.toLocaleString()} records: ${(2 * large.scan.readCapacity).toFixed(0)} RCU = ${ratio(2 * large.scan.readCapacity, large.reconcile.readCapacity)} this pass`);
  }
}
