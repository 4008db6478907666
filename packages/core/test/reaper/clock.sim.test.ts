import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/index.js";
import { type Clock } from "../../src/clock.js";
import { Reaper } from "../../src/reaper/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";

/**
 * One clock: the simulator stamps apps and answers `Date` from its own (simulated) clock,
 * and the reaper measures ages on the platform's clock, so an app is never "in the future"
 * however far simulated time has run ahead of the host, or the host's clock is off.
 */
const TOKEN = "clock-token";
let sim: FleetSimulator;
const base = () => `${sim.endpoint}/heroku`;
const auth = { authorization: `Bearer ${TOKEN}`, accept: "application/vnd.heroku+json; version=3" };

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

async function createApp(name: string): Promise<{ created_at: string }> {
  const res = await fetch(`${base()}/apps`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { created_at: string };
}

// 45 minutes of `scythe dev` at the default time scale (1 ms per simulated second).
const FORTY_FIVE_MINUTES_AT_DEFAULT_SCALE = 45 * 60 * 1000;

describe("The simulator's clock and the reaper's now", () => {
  it("stamps a new app and every answer's Date from the same clock", async () => {
    await sim.control.advance(FORTY_FIVE_MINUTES_AT_DEFAULT_SCALE);
    const { at } = await sim.control.clock();
    const app = await createApp("hatchet-t-c10c");
    expect(app.created_at).toBe(at.replace(/\.\d{3}Z$/, "Z"));
    const res = await fetch(`${base()}/apps`, { headers: auth });
    expect(new Date(res.headers.get("date") ?? "").toISOString()).toBe(new Date(Math.floor(Date.parse(at) / 1000) * 1000).toISOString());
  });

  it("ages an app made by POST /apps on the platform's clock after simulated time ran weeks ahead", async () => {
    await sim.control.advance(FORTY_FIVE_MINUTES_AT_DEFAULT_SCALE);
    await createApp("hatchet-t-01d");
    await sim.control.advance(10 * 60);
    await createApp("hatchet-t-0e1");
    await sim.control.advance(60);
    const report = await new Reaper({ platform: new HerokuPlatform({ baseUrl: base(), token: TOKEN, reserve: 0 }) }).pass({});
    expect(report.deleted.map((d) => [d.name, d.ageMinutes])).toEqual([["hatchet-t-01d", 11]]);
    expect(report.left.map((l) => [l.name, l.ageMinutes, l.why])).toEqual([["hatchet-t-0e1", 1, "younger-than-ttl"]]);
  });

  it("is immune to this host's clock being hours off", async () => {
    await sim.control.seed({ herokuApps: [{ name: "hatchet-t-a", ageSeconds: 30 * 60 }, { name: "hatchet-t-b", ageSeconds: 60 }] });
    for (const offByMs of [-3 * 3_600_000, 5 * 3_600_000]) {
      const skewed: Clock = { now: () => Date.now() + offByMs };
      const platform = new HerokuPlatform({ baseUrl: base(), token: TOKEN, reserve: 0, clock: skewed });
      const report = await new Reaper({ platform, clock: skewed }).pass({ dryRun: true });
      expect(report.deleted.map((d) => d.name)).toEqual(["hatchet-t-a"]);
      expect(report.deleted[0]?.ageMinutes).toBeCloseTo(30, 0);
      expect(report.left.map((l) => l.name)).toEqual(["hatchet-t-b"]);
    }
  });
});
