import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { Reaper, describeReport, parseReapInput, reapWithLock } from "@scythe/core/reaper";
import type { DemoStep } from "./DemoStep.js";

const minute = 60_000;
const ages = [95, 64, 41, 30, 22, 15, 9, 6, 4, 2, 1];

/** Apps of mixed ages, a few outside the namespace; a dry run, then a real pass; the outsiders survive. */
export const reaperDemo: DemoStep = {
  title: "App reaper: old namespace apps deleted oldest first, young ones and other apps kept",
  async run(world, output) {
    const outsiders = ["production-api", "billing", "hatchet-t-cafe-prod"];
    // Ages are on the simulator's clock (the platform's, which the reaper trusts). Simulated
    // time runs 1000x in the demo: freeze it for this step so a 6-minute-old app stays young.
    const { timeScale } = await world.simulator.control.clock();
    await world.simulator.control.config({ timeScale: 0 });
    try {
      return await reap(world, output, outsiders);
    } finally {
      await world.simulator.control.config({ timeScale });
    }
  },
};

async function reap(world: Parameters<DemoStep["run"]>[0], output: Parameters<DemoStep["run"]>[1], outsiders: string[]) {
  await world.simulator.control.seed({
    herokuApps: [
      ...ages.map((age, i) => ({ name: `hatchet-t-${(0xa0 + i).toString(16)}`, ageSeconds: (age * minute) / 1000 })),
      ...outsiders.map((name) => ({ name, ageSeconds: (1000 * minute) / 1000 })),
    ],
  });
  output.progress(`seeded ${ages.length} apps named hatchet-t-<hex> aged ${ages.join(", ")} min, and ${outsiders.join(", ")}`);
  const locks = new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.endpoints.tables.locks }), ownerId: "demo-reaper" });
  const reaper = new Reaper({ platform: new HerokuPlatform({ baseUrl: world.endpoints.heroku, token: "sim-token", reserve: 50 }) });
  const input = { olderThanMinutes: 7, limit: 5 };

  const dry = await reapWithLock(locks, reaper, parseReapInput({ ...input, dryRun: true }));
  output.progress(`dry run: would delete ${dry.deleted.map((d) => d.name).join(", ")}; nothing deleted`);
  const report = await reapWithLock(locks, reaper, parseReapInput(input));
  for (const line of describeReport(report).split("\n")) output.progress(line);

  const left = (await world.simulator.control.state()).herokuApps.map((a) => String(a.name));
  const expected = ages.filter((age) => age >= 7).length;
  const ok =
    dry.deleted.length === expected &&
    report.deleted.length === expected &&
    outsiders.every((name) => left.includes(name)) &&
    report.deleted.every((d, i, all) => i === 0 || Date.parse(all[i - 1]?.createdAt ?? "") <= Date.parse(d.createdAt));
  return {
    summary: `${ok ? "ok" : "UNEXPECTED"}: deleted ${report.deleted.length} of ${report.matched} namespace apps (≥ 7 min), left ${report.left.length} young, ${outsiders.length} others untouched; ${report.apiCalls} API calls`,
    details: { ok, dryRun: dry, report, remainingApps: left },
  };
}
