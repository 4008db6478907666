import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { launchChromium, type HeadlessBrowser } from "../support/browser.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";
import { pixelStats } from "../support/screenshot.js";

/** Text of an element a person can see (SVG text has no innerText). */
async function seen(locator: Locator): Promise<string> {
  expect(await locator.isVisible()).toBe(true);
  return (await locator.textContent()) ?? "";
}

let sim: FleetSimulator;
let browser: HeadlessBrowser;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  [sim, browser] = await Promise.all([startFleetSimulator({ timeScale: 0.2 }), launchChromium()]);
  const { endpoint, names } = await freshTables();
  dir = await mkdtemp(join(tmpdir(), "scythe-timeline-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
});
afterAll(async () => {
  await Promise.all([sim.close(), browser?.close()]);
});

describe("CLI: scythe deploy --report and scythe deploy report (timeline in headless Chromium)", () => {
  let executionArn = "";
  let fleet: Awaited<ReturnType<typeof seedFleet>>;

  it("writes a self-contained timeline a person can read: a lane per instance, the count per load balancer, never zero", async () => {
    fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3], admin: [3] } });
    const report = join(dir, "rollout.html");
    const result = await runScythe(["deploy", "--stack", fleet.stackId, "--layer", fleet.layerId, "--app", fleet.appId, "--poll", "5ms", "--report", report, "--json"], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`timeline of the rollout: ${pathToFileURL(report).href}`);
    executionArn = (JSON.parse(result.stdout) as { executionArn: string }).executionArn;

    const html = await readFile(report, "utf8");
    // Self-contained: nothing to fetch, nothing to run.
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\((?!#)/i);

    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(report).href);
    expect(requests).toEqual([pathToFileURL(report).href]);

    await expect.poll(() => page.getByRole("heading", { name: /Rollout local-/ }).isVisible()).toBe(true);
    expect(await seen(page.locator(".rollout .status"))).toBe("succeeded");
    expect(await page.getByText("Every load balancer kept at least one instance in service.").isVisible()).toBe(true);

    const lanes = page.locator("[data-lane]");
    expect(await lanes.count()).toBe(3);
    for (const host of ["web1", "web2", "web3"]) {
      const lane = page.locator(`[data-lane="${host}"]`);
      expect(await seen(lane.locator("text.host"))).toBe(host);
      const states = await lane.locator("rect").evaluateAll((rects) => rects.map((r) => r.getAttribute("data-state")));
      // In service, taken out, deployed, put back, in service again: in that order.
      expect(states).toEqual(["in-service", "detached", "deploying", "reattaching", "in-service"]);
      for (const rect of await lane.locator("rect").all()) {
        const box = await rect.boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(0);
      }
    }
    expect(await page.locator('[data-lane="web3"] text.tick title').textContent()).toContain(`kept in ${fleet.lbName("admin")}`);

    const main = page.locator(`[data-lb="${fleet.lbName("main")}"]`);
    const admin = page.locator(`[data-lb="${fleet.lbName("admin")}"]`);
    // main: one of three out at a time; admin: its only instance is never taken out.
    expect(await seen(main.locator("text.verdict"))).toBe("never zero (min 2)");
    expect(await seen(admin.locator("text.verdict"))).toBe("never zero (min 1)");
    for (const lb of [main, admin]) {
      expect(await lb.locator("rect.never-zero").isVisible()).toBe(true);
      expect(await seen(lb.locator("text.never-zero-label"))).toBe("never zero");
      // A flat count is a path of no height, which Playwright calls invisible: measure its width instead.
      expect((await lb.locator("path.count").boundingBox())?.width ?? 0).toBeGreaterThan(500);
    }
    expect(await page.getByText("in-service counts from the fleet simulator's event log", { exact: false }).isVisible()).toBe(true);

    const stats = pixelStats(await page.screenshot({ fullPage: true }));
    expect(stats.inked).toBeGreaterThan(0.05);
    expect(stats.colours).toBeGreaterThan(8);
    await page.close();
  });

  it("draws the same rollout again later from its execution name", async () => {
    const name = executionArn.split(":").pop() ?? "";
    const out = join(dir, "again.html");
    const result = await runScythe(["deploy", "report", name, "--out", out, "--json"], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ executionArn, report: pathToFileURL(out).href });
    const page = await browser.newPage();
    await page.goto(pathToFileURL(out).href);
    expect(await page.locator("[data-lane]").count()).toBe(3);
    expect(await seen(page.locator(`[data-lb="${fleet.lbName("main")}"] text.verdict`))).toBe("never zero (min 2)");
    await page.close();
  });

  it("says when there is no such rollout, and refuses a report path it cannot write before starting", async () => {
    const missing = await runScythe(["deploy", "report", "local-no-such-rollout", "--out", join(dir, "x.html")], { env });
    // An unknown id is bad input, as everywhere in the CLI.
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no deploy journal for arn:aws:states:us-east-1:000000000000:execution:scythe-local-deploy:local-no-such-rollout");

    const since = await sim.control.lastSeq();
    const bad = await runScythe(["deploy", "--stack", fleet.stackId, "--layer", fleet.layerId, "--app", fleet.appId, "--report", join(dir, "nowhere", "r.html"), "--json"], { env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { name: "ValidationError", field: "--report" } });
    expect(await sim.control.events(since)).toEqual([]);

    const noStack = await runScythe(["deploy", "--layer", "l", "--app", "a", "--json"], { env });
    expect(noStack.code).toBe(2);
    expect(JSON.parse(noStack.stdout)).toMatchObject({ error: { name: "ValidationError", field: "--stack" } });
  });
});
