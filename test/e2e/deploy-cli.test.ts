import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { auditRollout, membership } from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let sim: FleetSimulator;
let env: NodeJS.ProcessEnv;
let tables: Awaited<ReturnType<typeof freshTables>>;
type Fleet = Awaited<ReturnType<typeof seedFleet>>;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0.2 });
  tables = await freshTables();
  const { endpoint, names } = tables;
  const dir = await mkdtemp(join(tmpdir(), "scythe-deploy-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
});
afterAll(() => sim.close());

const ids = (f: Awaited<ReturnType<typeof seedFleet>>) => ["--stack", f.stackId, "--layer", f.layerId, "--app", f.appId];

describe("CLI: scythe deploy (local world)", () => {
  it("rolls a layer with live progress and prints the report as JSON", async () => {
    const fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3], admin: [3] } });
    const since = await sim.control.lastSeq();
    const before = membership(await sim.control.state());
    const result = await runScythe(["deploy", ...ids(fleet), "--follow", "--poll", "5ms", "--json"], { env });
    expect(result.stderr).toContain("web1       detaching from main-");
    expect(result.stderr).toContain("kept in admin-");
    expect(result.stderr).toMatch(/web3 +in service again/);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { status: string; output: { deployed: unknown[] } };
    expect(out.status).toBe("SUCCEEDED");
    expect(out.output.deployed).toHaveLength(3);
    expect((await auditRollout(sim.control, since, before)).ok).toBe(true);
  });

  it("runs where Promise.withResolvers is missing, as on the Node 20 that `engines` allows", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    // Node 20 lacks Promise.withResolvers; removing it before the CLI loads gives the same runtime on Node 22.
    const node20 = ["--import", "data:text/javascript,delete Promise.withResolvers"];
    const result = await runScythe(["deploy", ...ids(fleet), "--poll", "5ms", "--json"], { env, nodeArgs: node20 });
    expect(result.stderr).not.toContain("withResolvers");
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { status: string }).status).toBe("SUCCEEDED");
  });

  it("shows the plan with --dry-run and touches nothing", async () => {
    const fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3], admin: [3] }, stopped: [2] });
    const since = await sim.control.lastSeq();
    const result = await runScythe(["deploy", ...ids(fleet), "--batch", "2", "--dry-run"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("dry run: nothing was changed");
    expect(result.stdout).toContain("batch 1: web1, web3");
    expect(result.stdout).toContain("it is the only instance in service behind this load balancer");
    expect(result.stdout).toContain("skipped web2: not online (stopped)");
    const changes = (await sim.control.events(since)).filter((e) => !e.action.startsWith("Describe"));
    expect(changes).toEqual([]);
  });

  it("exits 1 with the deployment's id and status when a deployment fails", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
    const result = await runScythe(["deploy", ...ids(fleet), "--poll", "5ms"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/deploy arn:aws:states:\S+ failed: DeploymentFailedError: deployment [0-9a-f-]+ on \S+ ended with status "failed"/);
  });

  it.each([
    ["an unknown --stack", "--stack", (a: Fleet, _b: Fleet) => ["--stack", "no-such-stack", "--layer", a.layerId, "--app", a.appId]],
    ["a --layer of another stack", "--layer", (a: Fleet, b: Fleet) => ["--stack", a.stackId, "--layer", b.layerId, "--app", a.appId]],
    ["an unknown --app", "--app", (a: Fleet, _b: Fleet) => ["--stack", a.stackId, "--layer", a.layerId, "--app", "no-such-app"]],
    ["an --app of another stack", "--app", (a: Fleet, b: Fleet) => ["--stack", a.stackId, "--layer", a.layerId, "--app", b.appId]],
    ["--batch 4 over 3 instances", "--batch", (a: Fleet, _b: Fleet) => [...ids(a), "--batch", "4"]],
  ])("refuses %s with exit code 2 naming %s, before anything is locked or detached", async (_what, field, args) => {
    const a = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3] } });
    const b = await seedFleet(sim.control, { instances: 1, loadBalancers: { main: [1] } });
    const since = await sim.control.lastSeq();
    const result = await runScythe(["deploy", ...args(a, b), "--poll", "5ms", "--json"], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { field } });
    expect((await sim.control.events(since)).filter((e) => !e.action.startsWith("Describe"))).toEqual([]);
    const locks = new LockService({ store: new DynamoLockStore(tables.doc, { tableName: tables.names.locks }) });
    expect(await locks.status(`deploy/stack/${a.stackId}`)).toMatchObject({ held: false, token: 0 });
  });

  it("refuses a layer with no online instance as such (exit 2), not as a deploy of nothing", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] }, stopped: [1, 2] });
    const result = await runScythe(["deploy", ...ids(fleet), "--json"], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { field: "--layer", message: expect.stringContaining("none online: nothing to deploy") } });
  });

  it.each([
    [["--batch", "0"], "--batch"],
    [["--lock-scope", "planet"], "--lock-scope"],
    [["--deploy-timeout", "soon"], "--deploy-timeout"],
  ])("refuses %j with exit code 2 naming %s", async (args, field) => {
    const result = await runScythe(["deploy", "--stack", "s", "--layer", "l", "--app", "a", ...args, "--json"], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { name: "ValidationError", field } });
  });
});
