// `npm run bench -- seed`: how long filling the registry with BENCH_SEED (100,000) leases takes, as the benchmarks do it.
import { execFileSync } from "node:child_process";
import { expiryShardOf } from "@scythe/core/registry";
import { benchJvmFlags } from "../src/world/dynamodbLocal.js";
import { benchDynamo, ratio, seed, table } from "./support.js";

const count = Number(process.env.BENCH_SEED ?? 100_000);

function leases(prefix: string): Record<string, unknown>[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}l-${i}`;
    return {
      pk: `lease#${id}`, sk: "record", type: "lease", id, resourceId: `${prefix}r-${i % (count / 10)}`, blueprint: "bench", holder: "bench",
      status: "active", version: 3, createdAt: now, updatedAt: now, expiresAt: now + 3_600_000 + i, expiryShard: expiryShardOf(`lease#${id}`),
    };
  });
}

/**
 * The same BatchWriteItem seeding (25 a request, 32 in flight) into a fresh DynamoDB Local:
 * as before (default JVM, the table's stream recording every write) and as the benchmarks
 * now do it (the parallel collector, the stream off while seeding). Node's own CPU time is shown (marshalling, signing), and DynamoDB Local's: it
 * writes on one thread, so its CPU time is about the wall time.
 */
export async function run(): Promise<void> {
  const rows = [];
  const seconds: number[] = [];
  for (const [setup, dynamo, keepStream] of [
    ["before: default JVM, stream on", {}, true],
    ["now: parallel GC, stream off while seeding", { jvmFlags: benchJvmFlags }, false],
  ] as const) {
    const world = await benchDynamo(`bench-seed-`, dynamo);
    try {
      const items = leases("s");
      const cpu = process.cpuUsage();
      const javaBefore = javaCpuSeconds(world.pid);
      const s = await seed(world.doc, world.names.registry, items, 32, keepStream);
      const used = process.cpuUsage(cpu);
      const java = javaCpuSeconds(world.pid) - javaBefore;
      seconds.push(s);
      rows.push({ setup, items: count.toLocaleString(), seconds: s.toFixed(1), "items/s": Math.round(count / s), "node CPU s": ((used.user + used.system) / 1e6).toFixed(1), "DynamoDB Local CPU s": java.toFixed(0) });
    } finally {
      await world.stop();
    }
  }
  table(rows);
  console.log(`speed-up: ${ratio(seconds[0] ?? 0, seconds[1] ?? 0)}`);
}

/** CPU seconds the DynamoDB Local process has used (whole seconds, from ps). */
function javaCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  return Number(execFileSync("ps", ["-o", "times=", "-p", String(pid)]).toString().trim());
}
