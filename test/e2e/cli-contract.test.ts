import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { freshTables } from "../support/dynamo.js";
import { scytheInProcess, tablesSnapshot, worldFile } from "../support/inProcess.js";

/**
 * The CLI's contract with scripts (issue 10 items 4, 6, 7), driven in-process: exit codes
 * 0 done, 1 failed, 2 bad input, 3 incomplete; a JSON error under --json; durations with
 * units; messages that say what is true.
 */
let env: NodeJS.ProcessEnv;
let sim: FleetSimulator;
let snapshot: () => Promise<string>;
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const scythe = (...args: string[]) => scytheInProcess(args, env);

beforeAll(async () => {
  const { endpoint, names, client } = await freshTables();
  sim = await startFleetSimulator({ timeScale: 0 });
  env = { SCYTHE_WORLD: await worldFile({ dynamodb: endpoint, simulator: sim.endpoint, tables: names }) };
  snapshot = () => tablesSnapshot(client, names);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe("CLI: usage errors are bad input (exit 2, a JSON error under --json)", () => {
  it.each([
    [["leases", "acquire", "r-1", "--json"], "--holder"],
    [["lock", "status", "--json"], "name"],
    [["lock", "status", "a", "b", "--json"], undefined],
    [["reap", "--no-such-option", "--json"], "--no-such-option"],
    [["leases", "frobnicate", "--json"], undefined],
    [["frobnicate", "--json"], "frobnicate"],
    [["deploy", "--stack", "s", "--json"], "--layer"],
    [["resources", "create", "--kind", "app", "--blueprint", "heroku-app", "--attr", "app=scythe-a", "--attr", "app=scythe-b", "--json"], "--attr"],
    [["reap", "--all", "--older-than", "1h", "--json"], "--all"],
    [["deploy", "--instances", "tag:Role=web,tag:Role=api", "--command", "true", "--json"], "--instances"],
    [["reap", "--limit", "5", "--all", "--json"], "--all"],
    [["resources", "create", "--kind", "app", "--blueprint", "heroku-app", "--attr", "app=scythe-a", "--id", "r-self", "--ref", "r-self", "--json"], "--ref"],
  ])("%j exits 2 with a usage error on stdout", async (args, field) => {
    const before = await snapshot();
    const result = await scythe(...args);
    expect(result.code).toBe(2);
    const error = json(result.stdout).error as Record<string, unknown>;
    expect(error).toMatchObject({ message: expect.any(String) });
    // commander's own checks give UsageError; `deploy` checks its required options itself.
    expect(["UsageError", "ValidationError"]).toContain(error.name);
    if (field) expect(error.field).toBe(field);
    expect(result.stderr).toMatch(/error/);
    expect(await snapshot()).toBe(before);
  });

  it("--help is a success (exit 0), and names the exit codes", async () => {
    const result = await scythe("--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Exit codes: 0 done, 1 failed, 2 bad input.*3 incomplete/s);
  });

  it.each([
    [["leases", "acquire", "no-such-resource", "--holder", "me"], "resourceId"],
    [["leases", "release", "no-such-lease"], "leaseId"],
    [["leases", "extend", "no-such-lease", "--expires-in", "1h"], "leaseId"],
    [["resources", "mark-delete", "no-such-resource"], "resourceId"],
    [["leases", "list", "--resource", "no-such-resource"], "--resource"],
    [["resources", "create", "--kind", "host", "--blueprint", "opsworks-instance", "--attr", "instanceId=4d6d1710-ded9-42a1-b08e-b043ad7af1e2", "--ref", "no-such-resource"], "--ref"],
  ])("an unknown id in %j exits 2 naming %s, writing nothing", async (args, field) => {
    const before = await snapshot();
    const result = await scythe(...args, "--json");
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toMatchObject({ error: { field } });
    expect(await snapshot()).toBe(before);
  });

  it("a second resource for the cloud object another live resource tears down exits 2 naming the first, writing nothing", async () => {
    const first = json((await scythe("resources", "create", "--kind", "app", "--blueprint", "heroku-app", "--attr", "app=scythe-twice", "--json")).stdout);
    const before = await snapshot();
    const result = await scythe("resources", "create", "--kind", "app", "--blueprint", "heroku-app", "--attr", "app=scythe-twice", "--json");
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toMatchObject({ error: { field: "--attr", message: expect.stringContaining(String(first.id)) } });
    expect(await snapshot()).toBe(before);
    // The same key twice with the same value is one attribute, not a clash.
    const same = await scythe("resources", "create", "--kind", "app", "--blueprint", "heroku-app", "--attr", "app=scythe-once", "--attr", "app=scythe-once", "--json");
    expect(same.code).toBe(0);
  });

  it("a garbage SCYTHE_WORLD file exits 2, naming the variable and the file, without a stack trace", async () => {
    const file = `${env.SCYTHE_WORLD ?? ""}.garbage`;
    await writeFile(file, "{ not json");
    const result = await scytheInProcess(["lock", "status", "x", "--json"], { SCYTHE_WORLD: file });
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toMatchObject({ error: { name: "ValidationError", field: "SCYTHE_WORLD", message: expect.stringContaining(file) } });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await writeFile(file, JSON.stringify({ dynamodb: 42 }));
    const wrongShape = await scytheInProcess(["lock", "status", "x"], { SCYTHE_WORLD: file });
    expect(wrongShape.code).toBe(2);
    expect(wrongShape.stderr).toContain(file);
  });
});

describe("CLI: durations need a unit", () => {
  it.each([
    ["reap", "--older-than", "7"],
    ["reap", "--max-wait", "600"],
    ["reap", "--lock-wait", "30"],
    ["lock", "acquire", "x", "--lease", "30"],
    ["lock", "acquire", "x", "--wait", "10"],
    ["leases", "acquire", "r-1", "--holder", "me", "--expires-in", "30"],
    ["leases", "extend", "l-1", "--expires-in", "60"],
    ["resources", "create", "--kind", "host", "--blueprint", "heroku-app", "--expires-in", "5"],
    ["resources", "create", "--kind", "host", "--blueprint", "heroku-app", "--expire-after-idle", "5"],
    ["deploy", "--stack", "s", "--layer", "l", "--app", "a", "--deploy-timeout", "30"],
    ["deploy", "--stack", "s", "--layer", "l", "--app", "a", "--lock-wait", "15"],
    ["deploy", "--stack", "s", "--layer", "l", "--app", "a", "--poll", "100"],
  ])("%s %s ... %s %s refuses a bare number: write 7m, 30s or 1h", async (...args) => {
    const before = await snapshot();
    const result = await scythe(...args, "--json");
    expect(result.code).toBe(2);
    const option = args.at(-2);
    expect(json(result.stdout)).toMatchObject({ error: { name: "ValidationError", field: option, message: expect.stringContaining("write 7m, 30s or 1h") } });
    expect(await sim.control.events()).toEqual([]);
    expect(await snapshot()).toBe(before);
  });
});

describe("CLI: scythe reap exit codes and token", () => {
  it("exits 3 (incomplete) when it gives up still over the limit", async () => {
    const now = Date.now();
    await sim.control.seed({ herokuApps: ["a1", "a2", "a3"].map((s, i) => ({ name: `hatchet-t-${s}`, created_at: new Date(now - i * 1000).toISOString() })) });
    const result = await scythe("reap", "--limit", "2", "--max-wait", "0s", "--json");
    expect(json(result.stdout)).toMatchObject({ complete: false, underLimit: false, errors: [] });
    expect(result.code).toBe(3);
  });

  it("uses the simulator's token in the local world even with HEROKU_API_TOKEN exported (as `orphans` does)", async () => {
    await sim.control.seed({ herokuApps: [{ name: "hatchet-t-0b", created_at: new Date(Date.now() - 3_600_000).toISOString() }] });
    const result = await scytheInProcess(["reap", "--json"], { ...env, HEROKU_API_TOKEN: "a-real-token-for-prod" });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ deleted: [{ name: "hatchet-t-0b" }], errors: [] });
  });
});

describe("CLI: messages say what is true", () => {
  it("a second `lock release` says the lock was already released, not that someone else holds it", async () => {
    const acquired = json((await scythe("lock", "acquire", "msg/one", "--owner", "alice", "--json")).stdout);
    expect((await scythe("lock", "release", "msg/one", "--owner", "alice", "--token", String(acquired.token))).code).toBe(0);
    const again = await scythe("lock", "release", "msg/one", "--owner", "alice", "--token", String(acquired.token));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already released");
    expect(again.stderr).not.toContain("held by someone else");
  });

  it("`lock status` of a name never used says so, and --json timestamps are ISO 8601 in status and acquire alike", async () => {
    const unknown = await scythe("lock", "status", "msg/never");
    expect(unknown.stdout).toContain("never acquired");
    expect(unknown.stdout).not.toContain("free");
    expect(json((await scythe("lock", "status", "msg/never", "--json")).stdout)).toMatchObject({ exists: false, held: false, token: 0 });

    const acquired = json((await scythe("lock", "acquire", "msg/two", "--lease", "1m", "--owner", "bob", "--json")).stdout);
    const status = json((await scythe("lock", "status", "msg/two", "--json")).stdout);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect(acquired.expiresAt).toMatch(iso);
    expect(status).toMatchObject({ exists: true, held: true, holder: "bob", expiresAt: expect.stringMatching(iso) });
  });

  it("`leases extend --expires-in` (the README's spelling) moves the expiry, and resources' times print as ISO 8601", async () => {
    const resource = json((await scythe("resources", "create", "--kind", "host", "--blueprint", "heroku-app", "--attr", "app=scythe-x", "--json")).stdout);
    expect(resource.createdAt).toMatch(/Z$/);
    const lease = json((await scythe("leases", "acquire", String(resource.id), "--holder", "me", "--expires-in", "10m", "--json")).stdout);
    const extended = await scythe("leases", "extend", String(lease.id), "--expires-in", "2h", "--json");
    expect(extended.code).toBe(0);
    expect(json(extended.stdout)).toMatchObject({ consumed: true });
  });
});
