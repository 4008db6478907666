import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameScheme } from "@scythe/core/orphans";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let env: NodeJS.ProcessEnv;
let registryTable: string;
let sim: FleetSimulator;
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const scythe = async (...args: string[]) => {
  const result = await runScythe([...args, "--json"], { env });
  if (result.code !== 0) throw new Error(`scythe ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return json(result.stdout);
};

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1 });
  const { endpoint, names } = await freshTables();
  registryTable = names.registry;
  const dir = await mkdtemp(join(tmpdir(), "scythe-janitor-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
});
afterAll(async () => {
  await sim.close();
});

describe("CLI: resources, leases and deallocate, as a person runs them", () => {
  it("keeps a marked host while it is leased and tears its instance down once the lease ends", async () => {
    const seeded = await sim.control.seed({ stacks: [{ StackId: "st", Name: "st" }], instances: [{ StackId: "st", Hostname: "build-host-1" }] });
    const instanceId = seeded.instances[0]?.InstanceId ?? "";
    await scythe("resources", "create", "--id", "host-1", "--kind", "host", "--blueprint", "opsworks-instance", "--attr", `instanceId=${instanceId}`);
    const lease = await scythe("leases", "acquire", "host-1", "--holder", "ci:42");
    await scythe("resources", "mark-delete", "host-1");

    const dry = await scythe("deallocate", "--dry-run");
    expect(dry).toMatchObject({ dryRun: true, nominated: [], kept: [{ id: "host-1", reason: expect.stringContaining("holds it") }] });
    await scythe("leases", "release", String(lease.id));
    const wouldGo = await scythe("deallocate", "--dry-run");
    expect(wouldGo).toMatchObject({ nominated: ["host-1"], destroyed: [] });
    expect((await sim.control.state()).instances.map((i) => i.Hostname)).toContain("build-host-1");

    const done = await scythe("deallocate");
    expect(done).toMatchObject({ destroyed: ["host-1"], errors: [] });
    expect((await sim.control.state()).instances.map((i) => i.Hostname)).not.toContain("build-host-1");
  });

  it("a command the lease's worker refuses exits 1 and says why; releasing a lease already released is done (exit 0)", async () => {
    await scythe("resources", "create", "--id", "host-2", "--kind", "host", "--blueprint", "heroku-app", "--attr", "app=scythe-cli-2");
    const lease = await scythe("leases", "acquire", "host-2", "--holder", "ci:43", "--expires-in", "1h");
    await scythe("leases", "release", String(lease.id));
    expect(await scythe("leases", "release", String(lease.id))).toMatchObject({ consumed: true, outcome: expect.stringContaining("already") });

    const extend = await runScythe(["leases", "extend", String(lease.id), "--expires-in", "1h", "--json"], { env });
    expect(extend.code, extend.stdout).toBe(1);
    expect(json(extend.stdout)).toMatchObject({ consumed: true, outcome: expect.stringMatching(/^refused: the lease is (released|destroyed)/) });
    const human = await runScythe(["leases", "extend", String(lease.id), "--expires-in", "1h"], { env });
    expect(human.code).toBe(1);
    expect(human.stdout + human.stderr).toMatch(/refused: the lease is (released|destroyed)/);
  });

  it("refuses to mark an unknown resource, naming it, with exit code 2 (bad input)", async () => {
    const result = await runScythe(["resources", "mark-delete", "no-such-host", "--json"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no-such-host");
    expect(json(result.stdout)).toMatchObject({ error: { name: "RecordNotFoundError", field: "resourceId" } });
  });

  it("sweeps orphans by name with a dry run first, and never another stage's resources in the same account", async () => {
    const { prefix } = NameScheme.forRegistry(registryTable);
    // A second stage in the same account: its own registry (so its own tag), knowing its own owners only.
    const otherStage = NameScheme.forRegistry(`${registryTable}-staging`);
    const theirs = otherStage.name("0f0f0f0f-0000-4000-8000-000000000000", "web");
    await sim.control.seed({
      stacks: [{ StackId: "st2", Name: "st2" }],
      instances: [{ StackId: "st2", Hostname: `${prefix}0f0f0f0f-web`, Status: "stopped" }, { StackId: "st2", Hostname: "web-prod" }, { StackId: "st2", Hostname: theirs, Status: "stopped" }],
      herokuApps: [{ name: `${prefix}0f0f0f0f-review` }, { name: "marketing" }, { name: otherStage.name("0f0f0f0f-0000-4000-8000-000000000000", "rv") }],
    });
    const dry = await scythe("orphans", "--dry-run");
    expect(dry).toMatchObject({ dryRun: true, namePrefix: prefix, removed: { instance: [`${prefix}0f0f0f0f-web`], app: [`${prefix}0f0f0f0f-review`] } });
    expect(dry.seen).toMatchObject({ instance: { inScheme: 1, otherStages: 1 }, app: { inScheme: 1, otherStages: 1 } });
    const human = await runScythe(["orphans", "--dry-run"], { env });
    expect(human.stdout).toContain(`orphan sweep of names ${prefix}*`);
    expect(human.stdout).toContain("1 another stage's (left alone)");
    const real = await scythe("orphans");
    expect(real).toMatchObject({ removed: { instance: [`${prefix}0f0f0f0f-web`], app: [`${prefix}0f0f0f0f-review`] }, errors: [] });
    const state = await sim.control.state();
    expect(state.herokuApps.map((a) => a.name).sort()).toEqual(["marketing", otherStage.name("0f0f0f0f-0000-4000-8000-000000000000", "rv")].sort());
    const hosts = state.instances.map((i) => i.Hostname);
    expect(hosts).toContain("web-prod");
    expect(hosts).toContain(theirs);
    expect(hosts).not.toContain(`${prefix}0f0f0f0f-web`);
  });
});
