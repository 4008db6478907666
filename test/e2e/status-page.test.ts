import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimControl } from "../../packages/local/src/sim/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { launchChromium, type HeadlessBrowser } from "../support/browser.js";
import { runScythe, scytheBin } from "../support/cli.js";
import { pixelStats } from "../support/screenshot.js";

/** Text of an element a person can see (SVG text has no innerText). */
async function seen(locator: Locator): Promise<string> {
  expect(await locator.first().isVisible()).toBe(true);
  return (await locator.first().textContent()) ?? "";
}

/** Waits (without reloading) until the live page shows `locator`: the page updates itself. */
async function appears(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: "visible", timeout: 30_000 });
}

let dev: ChildProcess;
let exited: Promise<number | null>;
let cwd: string;
let endpoints: { statusPage: string; simulator: string; dynamodb: string };
let browser: HeadlessBrowser;
const scythe = (args: string[]) => runScythe(args, { cwd, env: { SCYTHE_WORLD: "" } });

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "scythe-status-"));
  dev = spawn(process.execPath, [scytheBin, "dev", "--time-scale", "0.5"], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  exited = new Promise((resolve) => dev.once("exit", (code) => resolve(code)));
  const started = new Promise<typeof endpoints>((resolve, reject) => {
    let out = "";
    dev.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      try {
        resolve(JSON.parse(out) as typeof endpoints);
      } catch {
        // not a whole document yet
      }
    });
    void exited.then((code) => reject(new Error(`scythe dev exited early (${code})`)));
  });
  [endpoints, browser] = await Promise.all([started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  dev?.kill("SIGINT");
  await exited;
});

describe("scythe dev: the status page in headless Chromium", () => {
  let page: Page;

  it("is printed with the endpoints, on its own port, and says plainly when nothing has happened yet", async () => {
    expect(endpoints.statusPage).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const ports = [endpoints.statusPage, endpoints.simulator, endpoints.dynamodb].map((u) => new URL(u).port);
    expect(new Set(ports).size).toBe(3);

    page = await browser.newPage();
    await page.goto(endpoints.statusPage);
    expect(await page.getByRole("heading", { name: "Scythe — local world status" }).isVisible()).toBe(true);
    for (const section of ["Locks", "Leases", "Resources", "Last reaper passes", "Deploys", "Simulator event log"]) {
      expect(await page.getByRole("heading", { name: section, exact: true }).isVisible()).toBe(true);
    }
    expect(await seen(page.locator("#locks .empty"))).toBe("No lock has been taken yet.");
    expect(await seen(page.locator("#reaper .empty"))).toContain("No reaper pass recorded yet");
    expect(await seen(page.locator("#deploys .empty"))).toContain("No rollout yet");
    expect(await seen(page.locator("#live"))).toBe("live");
  });

  it("shows a lock taken after the page opened: holder, token and expiry, without a reload", async () => {
    const taken = await scythe(["lock", "acquire", "status/demo", "--owner", "alice", "--lease", "10m", "--json"]);
    expect(taken.code).toBe(0);
    const row = page.locator("#locks tr", { hasText: "status/demo" });
    await appears(row);
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(0, 4)).toEqual(["status/demo", "held", "alice", "1"]);
    expect(cells[4]).toMatch(/^in (59\d|600) s$/);
  });

  it("shows leases and resources by status", async () => {
    const created = await scythe(["resources", "create", "--kind", "host", "--blueprint", "opsworks-instance", "--id", "host-status-1", "--attr", "instanceId=00000000-0000-4000-8000-00000000dead", "--json"]);
    expect(created.code).toBe(0);
    const lease = await scythe(["leases", "acquire", "host-status-1", "--holder", "ci-job-7", "--expires-in", "1h", "--json"]);
    expect(lease.code).toBe(0);
    const status = (JSON.parse(lease.stdout) as { status: string }).status;
    expect(["pending", "acquired", "active"]).toContain(status);
    const row = page.locator("#leases tr", { hasText: "ci-job-7" });
    await appears(row);
    // Counted by status, and the row says the same status the CLI returned (unless it has moved on since).
    expect(await page.locator("#leases .chip").first().isVisible()).toBe(true);
    // Read in one go: the page swaps its content every second. The row may first show a snapshot
    // taken before the CLI returned (the lease was written, not yet active): wait for the page to catch up.
    const order = ["pending", "acquired", "active"];
    let [shown, chip] = ["", ""];
    await expect
      .poll(async () => {
        [shown, chip] = await page.locator("#leases").evaluate((section) => {
          const cells = [...section.querySelectorAll("tbody tr")].find((r) => r.textContent?.includes("ci-job-7"))?.querySelectorAll("td");
          return [cells?.[3]?.textContent ?? "", section.querySelector(".chip")?.textContent ?? ""];
        });
        return order.indexOf(shown);
      }, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(order.indexOf(status));
    expect(chip).toBe(`${shown} 1`);
    // The same page snapshot may predate the lease's attachment: wait for the row to settle, read in one go.
    await expect
      .poll(() =>
        page.locator("#resources").evaluate((section) => {
          const row = [...section.querySelectorAll("tbody tr")].find((r) => r.textContent?.includes("host-status-1"));
          return [...(row?.querySelectorAll("td") ?? [])].slice(0, 5).map((td) => td.textContent ?? "");
        }),
      { timeout: 15_000 })
      .toEqual(["host-status-1", "host", "opsworks-instance", "active", "1"]);
  });

  it("shows the last reaper passes, recorded by scythe reap", async () => {
    const control = new SimControl(endpoints.simulator);
    const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
    await control.seed({ herokuApps: [{ name: "hatchet-t-abc123", created_at: old }, { name: "hatchet-t-def456", created_at: old }, { name: "keep-me", created_at: old }] });
    const reaped = await scythe(["reap", "--json"]);
    expect(reaped.code).toBe(0);
    const row = page.locator("#reaper tr", { hasText: "hatchet-t-abc123" });
    await appears(row);
    expect(await seen(page.locator("#reaper h3"))).toBe("reaper/heroku");
    const cells = await row.locator("td").allTextContents();
    // seen 3, matched 2, deleted 2, left 0, no conflicts or errors, 0 of 20 remaining
    expect(cells.slice(2, 9)).toEqual(["3", "2", "2", "0", "0", "0", "0 / 20"]);
  });

  it("draws a deploy in progress with its timeline, then the same rollout finished, and the simulator's log", async () => {
    const control = new SimControl(endpoints.simulator);
    const fleet = await seedFleet(control, { instances: 3, loadBalancers: { main: [1, 2, 3], admin: [3] } });
    const deploy = scythe(["deploy", "--stack", fleet.stackId, "--layer", fleet.layerId, "--app", fleet.appId, "--poll", "400ms", "--json"]);
    const running = page.locator('#deploys section.rollout[data-status="running"]');
    await appears(running);
    // The rollout's section appears with its first lane; the page adds each instance's lane as it is planned.
    await expect.poll(() => running.locator("[data-lane]").count(), { timeout: 15_000 }).toBe(3);

    const result = await deploy;
    expect(result.code).toBe(0);
    const done = page.locator('#deploys section.rollout[data-status="succeeded"]');
    await appears(done);
    expect(await seen(done.locator(".status"))).toBe("succeeded");
    for (const host of ["web1", "web2", "web3"]) {
      const states = await done.locator(`[data-lane="${host}"] rect`).evaluateAll((rects) => rects.map((r) => r.getAttribute("data-state")));
      expect(states).toEqual(["in-service", "detached", "deploying", "reattaching", "in-service"]);
    }
    expect(await seen(done.locator(`[data-lb="${fleet.lbName("main")}"] text.verdict`))).toBe("never zero (min 2)");
    expect(await seen(done.getByText("Every load balancer kept at least one instance in service."))).toBeTruthy();

    const firstEvent = page.locator("#events tbody tr").first();
    expect(await firstEvent.isVisible()).toBe(true);
    expect(await page.locator("#events tbody tr", { hasText: "RegisterInstancesWithLoadBalancer" }).count()).toBeGreaterThan(0);
  });

  it("is not a blank page: a screenshot has ink and colour, and the key text is on it", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const shot = await page.screenshot({ fullPage: true });
    await writeFile(join(cwd, "status-page.png"), shot);
    const stats = pixelStats(shot);
    expect(stats.height).toBeGreaterThan(900);
    expect(stats.inked).toBeGreaterThan(0.05);
    expect(stats.colours).toBeGreaterThan(16);
    const text = await page.locator("body").innerText();
    for (const key of ["status/demo", "alice", "ci-job-7", "host-status-1", "reaper/heroku", "never zero", "Simulator event log"]) expect(text).toContain(key);

    // The same check fails on an empty page, so it can catch one.
    const blank = await browser.newPage();
    await blank.setContent("<html><body></body></html>");
    const empty = pixelStats(await blank.screenshot());
    expect(empty.inked).toBeLessThan(0.01);
    expect(empty.colours).toBeLessThanOrEqual(2);
    await blank.close();
  });

  it("says it is disconnected when scythe dev stops", async () => {
    dev.kill("SIGINT");
    expect(await exited).toBe(130);
    await page.getByText("disconnected: is scythe dev still running?").waitFor({ state: "visible", timeout: 30_000 });
  });
});
