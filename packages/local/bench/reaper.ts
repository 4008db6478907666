import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { Reaper, parseReapInput, reapWithLock, type ReapReport } from "@scythe/core/reaper";
import { startFleetSimulator } from "../src/sim/index.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * 1,000 old apps on the simulator's Heroku API with a budget of R requests per simulated
 * second. The floor is 1,000 / R simulated seconds (every delete costs one request); each
 * run is reported as a ratio to it, with API calls per deleted app. Every call also takes
 * LATENCY_MS of real time, as a trip to api.heroku.com would. The baseline is Hatchet's
 * order: one delete at a time, no lock across machines, no reserve.
 */
const APPS = 1000;
const R = 20;
const BURST = 40;
const TIME_SCALE = 100; // real ms per simulated second: 10x faster than real time
const LATENCY_MS = 25;
const TOKEN = "bench-token";

interface Run {
  readonly name: string;
  readonly concurrency: number;
  readonly reserve: number;
  readonly locked: boolean;
}

const runs: Run[] = [
  { name: "scythe: 8 at once, reserve 10, under the lock", concurrency: 8, reserve: 10, locked: true },
  { name: "scythe: 8 at once, no reserve, under the lock", concurrency: 8, reserve: 0, locked: true },
  { name: "hatchet order: one at a time (baseline)", concurrency: 1, reserve: 0, locked: false },
];

export async function run(): Promise<void> {
  const dynamo = await benchDynamo("bench-reaper-");
  const sim = await startFleetSimulator({ timeScale: TIME_SCALE, herokuToken: TOKEN });
  const rows: Record<string, string | number>[] = [];
  try {
    for (const spec of runs) {
      await sim.control.reset();
      await sim.control.config({ herokuRateLimit: { perSecond: R, max: BURST } });
      const now = Date.now();
      await sim.control.seed({
        herokuApps: Array.from({ length: APPS }, (_, i) => ({
          name: `hatchet-t-${(0x10000 + i).toString(16)}`,
          created_at: new Date(now - (10 + i) * 60_000).toISOString(),
        })),
      });
      await sim.control.addFaults({ action: "heroku:*", latencyMs: LATENCY_MS });
      const platform = new HerokuPlatform({
        baseUrl: `${sim.endpoint}/heroku`,
        token: TOKEN,
        reserve: spec.reserve,
        refillPerSecond: (R * 1000) / TIME_SCALE,
        backoffBaseMs: 50,
      });
      const reaper = new Reaper({ platform });
      const input = { concurrency: spec.concurrency, limit: 20 };
      const before = await sim.control.clock();
      const started = performance.now();
      let report: ReapReport;
      if (spec.locked) {
        const locks = new LockService({ store: new DynamoLockStore(dynamo.doc, { tableName: dynamo.names.locks }) });
        report = await reapWithLock(locks, reaper, parseReapInput(input));
      } else {
        report = await reaper.pass(input);
      }
      const wallMs = performance.now() - started;
      const simSeconds = (await sim.control.clock()).now - before.now;
      const floor = APPS / R;
      rows.push({
        run: spec.name,
        deleted: report.deleted.length,
        "sim s": simSeconds.toFixed(1),
        "floor s": floor.toFixed(1),
        "vs floor": ratio(simSeconds, floor),
        "wall s": (wallMs / 1000).toFixed(1),
        "API calls": report.apiCalls,
        "calls/app": (report.apiCalls / Math.max(1, report.deleted.length)).toFixed(3),
        "429s": report.throttled,
        errors: report.errors.length,
      });
      console.log(`  ${spec.name}: done in ${(wallMs / 1000).toFixed(1)} s`);
    }
  } finally {
    await sim.close();
    await dynamo.stop();
  }
  console.log(`\n${APPS} apps older than the TTL; budget ${R} req per simulated s (burst ${BURST}); ${LATENCY_MS} ms per call; 1 simulated s = ${TIME_SCALE} ms`);
  table(rows);
}
