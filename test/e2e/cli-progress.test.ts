import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { runScythe, scytheBin } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let sim: FleetSimulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1 });
  const { endpoint, names } = await freshTables();
  const dir = await mkdtemp(join(tmpdir(), "scythe-progress-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
});
afterAll(() => sim.close());

/** Runs `scythe` on a real pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = `stty cols 200; ${[process.execPath, scytheBin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, ...env, NO_COLOR: "1", TERM: "xterm", COLUMNS: "200" }, stdio: ["ignore", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (c: Buffer) => (screen += c.toString()));
    child.stderr.on("data", (c: Buffer) => (screen += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, screen }));
  });
}

const CLEAR = "\r\x1b[2K";
const ids = (f: Awaited<ReturnType<typeof seedFleet>>) => ["--stack", f.stackId, "--layer", f.layerId, "--app", f.appId];

describe("CLI progress: live on a terminal, plain elsewhere", () => {
  it("deploy --follow on a terminal shows a live line: instances done, the batch, what it waits for", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    const { code, screen } = await onTerminal(["deploy", ...ids(fleet), "--follow", "--poll", "300ms"]);
    expect(code).toBe(0);
    const drawn = screen.split(CLEAR).map((s) => s.split(/\r?\n/)[0] ?? "");
    expect(drawn.some((l) => /0\/2 instances done · batch 1\/2 · waiting for web1 to drain from main-/.test(l))).toBe(true);
    expect(drawn.some((l) => /1\/2 instances done · batch 2\/2 · .* · about \d+ s left/.test(l))).toBe(true);
    // The plain lines are still there, and the live line is wiped before the result.
    expect(screen).toMatch(/web2 +in service again/);
    expect(screen.slice(screen.lastIndexOf(CLEAR) + CLEAR.length)).not.toMatch(/instances done/);
  });

  it("stays plain off a terminal and with --json, even on one", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    const piped = await runScythe(["deploy", ...ids(fleet), "--follow", "--poll", "50ms"], { env });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toMatch(/web2 +in service again/);
    expect(piped.stderr + piped.stdout).not.toContain("\x1b[");

    const json = await onTerminal(["deploy", ...ids(fleet), "--follow", "--poll", "50ms", "--json"]);
    expect(json.code).toBe(0);
    expect(json.screen).not.toContain("\x1b[");
    expect(json.screen).not.toMatch(/instances done/);
  });

  it("orphans, deallocate and leases expire on a terminal say what they are doing, then leave a clean result", async () => {
    for (const args of [["orphans", "--dry-run"], ["deallocate"], ["leases", "expire"]]) {
      const { code, screen } = await onTerminal(args);
      expect(code, screen).toBe(0);
      expect(screen).toMatch(/(orphan sweep|deallocation pass|expiry sweep): .* · \d+ s elapsed/);
      expect(screen.slice(screen.lastIndexOf(CLEAR) + CLEAR.length)).not.toMatch(/elapsed/);
    }
  });
});
