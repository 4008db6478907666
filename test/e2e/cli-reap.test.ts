import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let env: NodeJS.ProcessEnv;
let sim: FleetSimulator;

beforeAll(async () => {
  // A world file naming this run's DynamoDB Local, this test's tables and its own simulator.
  const { endpoint, names } = await freshTables();
  sim = await startFleetSimulator({ timeScale: 0 });
  const dir = await mkdtemp(join(tmpdir(), "scythe-cli-reap-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file, HEROKU_API_TOKEN: "" };
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  const now = Date.now();
  await sim.control.seed({
    herokuApps: [
      { name: "hatchet-t-00a1", created_at: new Date(now - 60 * 60_000).toISOString() },
      { name: "hatchet-t-00a2", created_at: new Date(now - 20 * 60_000).toISOString() },
      { name: "hatchet-t-00a3", created_at: new Date(now - 60_000).toISOString() },
      { name: "review-12", created_at: new Date(now - 30 * 60_000).toISOString() },
      { name: "production", created_at: new Date(now - 9e6).toISOString() },
    ],
  });
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const names = async () => (await sim.control.state()).herokuApps.map((a) => String(a.name)).sort();

describe("CLI: scythe reap", () => {
  it("--dry-run --json reports what it would delete and deletes nothing", async () => {
    const result = await runScythe(["reap", "--dry-run", "--json"], { env });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({
      dryRun: true,
      seen: 5,
      matched: 3,
      deleted: [{ name: "hatchet-t-00a1" }, { name: "hatchet-t-00a2" }],
      left: [{ name: "hatchet-t-00a3", why: "younger-than-ttl" }],
    });
    expect(result.stderr).toContain("would delete hatchet-t-00a1");
    expect(await names()).toHaveLength(5);
  });

  it("reaps old namespace apps oldest first, prints a readable report, and holds the lock for the pass", async () => {
    const result = await runScythe(["reap", "--older-than", "10m"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/matched 3, deleted 2, left 1/);
    expect(result.stdout).toMatch(/deleted hatchet-t-00a1 \(60(\.\d)? min old, older-than-ttl\)[\s\S]*deleted hatchet-t-00a2/);
    expect(await names()).toEqual(["hatchet-t-00a3", "production", "review-12"]);
    const status = await runScythe(["lock", "status", "reaper/heroku", "--json"], { env });
    expect(json(status.stdout)).toMatchObject({ held: false, token: expect.any(Number) });
  });

  it("--namespace and --all delete every app in that namespace only", async () => {
    const result = await runScythe(["reap", "--namespace", "^review-[0-9]+$", "--all", "--json"], { env });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ mode: "all", deleted: [{ name: "review-12", reason: "destroy-all" }] });
    expect(await names()).toEqual(["hatchet-t-00a1", "hatchet-t-00a2", "hatchet-t-00a3", "production"]);
  });

  it.each([
    [["--older-than", "soon"], "--older-than"],
    [["--older-than", "0"], "--older-than"],
    [["--limit", "0"], "--limit"],
    [["--limit", "many"], "--limit"],
    [["--namespace", ".*"], "--namespace"],
    [["--namespace", "(unclosed"], "--namespace"],
    [["--on-conflict", "retry"], "--on-conflict"],
    [["--concurrency", "0"], "--concurrency"],
  ])("refuses %j with exit code 2 naming %s, and deletes nothing", async (args, field) => {
    const result = await runScythe(["reap", ...args, "--json"], { env });
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toMatchObject({ error: { name: "ValidationError", field } });
    expect(await sim.control.events()).toEqual([]);
  });

  it("lists its options in --help", async () => {
    const help = await runScythe(["reap", "--help"]);
    for (const option of ["--older-than <duration>", "--limit <n>", "--namespace <regex>", "--all", "--dry-run"]) expect(help.stdout).toContain(option);
  });
});
