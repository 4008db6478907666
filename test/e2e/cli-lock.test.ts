import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import type { TableNames } from "@scythe/core/schema";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let env: NodeJS.ProcessEnv;
let endpoint: string;
let names: TableNames;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  // A world file naming this run's DynamoDB Local and this test's own tables.
  ({ endpoint, names, doc } = await freshTables());
  const dir = await mkdtemp(join(tmpdir(), "scythe-cli-"));
  const file = join(dir, "world.json");
  await writeFile(file, JSON.stringify({ dynamodb: endpoint, simulator: "", heroku: "", tables: names, pid: process.pid }));
  env = { SCYTHE_WORLD: file };
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe("CLI: scythe lock", () => {
  it("acquires, shows, refuses a second holder, and releases with the printed owner and token", async () => {
    const acquired = await runScythe(["lock", "acquire", "cli/one", "--lease", "1m", "--owner", "alice", "--json"], { env });
    expect(acquired.code).toBe(0);
    expect(json(acquired.stdout)).toMatchObject({ name: "cli/one", owner: "alice", token: 1 });

    const status = await runScythe(["lock", "status", "cli/one", "--json"], { env });
    expect(json(status.stdout)).toMatchObject({ held: true, holder: "alice", token: 1 });

    const second = await runScythe(["lock", "acquire", "cli/one", "--owner", "bob"], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('lock "cli/one" is held by alice');

    const wrong = await runScythe(["lock", "release", "cli/one", "--owner", "bob", "--token", "1"], { env });
    expect(wrong.code).toBe(1);
    // The truth: it is held, at that token, by someone else; it was not "no longer held".
    expect(wrong.stderr).toContain('lock "cli/one" (token 1) is not held by bob: it is held by alice with token 1; nothing was released');

    const released = await runScythe(["lock", "release", "cli/one", "--owner", "alice", "--token", "1", "--json"], { env });
    expect(json(released.stdout)).toEqual({ name: "cli/one", released: true, token: 1 });
    const after = await runScythe(["lock", "status", "cli/one"], { env });
    expect(after.stdout).toContain("cli/one: free (latest token 1)");
  });

  it.each([
    [["lock", "acquire", "cli/two", "--lease", "soon"], "--lease"],
    [["lock", "acquire", "bad name!"], "name"],
    [["lock", "acquire", "cli/two", "--lease", "0"], "--lease"],
    [["lock", "acquire", "cli/two", "--lease", "1ms"], "--lease"],
    [["lock", "acquire", "cli/two", "--lease", "999ms"], "--lease"],
    [["lock", "acquire", "cli/two", "--permits", "0"], "--permits"],
    [["lock", "release", "cli/two", "--owner", "a", "--token", "x"], "--token"],
    [["lock", "acquire", "cli/two", "--turn", "soon"], "--turn"],
    [["lock", "acquire", "cli/two", "--turn", "25"], "--turn"],
    [["lock", "acquire", "cli/two", "--turn", "2h"], "--turn"],
    [["lock", "acquire", "cli/two", "--turn", "1m", "--permits", "2"], "--turn"],
  ])("refuses %j with exit code 2 naming %s", async (args, field) => {
    const result = await runScythe([...args, "--json"], { env });
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toMatchObject({ error: { name: "ValidationError", field } });
    const status = await runScythe(["lock", "status", "cli/two", "--json"], { env });
    expect(json(status.stdout)).toMatchObject({ held: false, token: 0 });
  });

  it("refuses a lock of the other kind or another permit count with exit 2, saying what the name is and what was asked; nothing written", async () => {
    expect((await runScythe(["lock", "acquire", "cli/kind", "--lease", "1m", "--owner", "alice"], { env })).code).toBe(0);
    const permits = await runScythe(["lock", "acquire", "cli/kind", "--permits", "2", "--owner", "bob", "--json"], { env });
    expect(permits.code).toBe(2);
    expect(json(permits.stdout)).toMatchObject({ error: { name: "LockKindError", field: "--permits" } });
    expect(permits.stderr).toContain('lock "cli/kind" is an exclusive lock (held by alice until');
    expect(permits.stderr).toContain("asked for a semaphore of 2 permits");
    const held = await runScythe(["lock", "status", "cli/kind", "--json"], { env });
    expect(json(held.stdout)).toMatchObject({ held: true, holder: "alice", token: 1 });
    expect(json(held.stdout)).not.toHaveProperty("kind");

    const first = await runScythe(["lock", "acquire", "cli/pool", "--permits", "2", "--owner", "carol", "--json"], { env });
    expect(first.code).toBe(0);
    expect(json(first.stdout).name).toMatch(/^cli\/pool#[01]$/);
    const more = await runScythe(["lock", "acquire", "cli/pool", "--permits", "3", "--owner", "dave", "--json"], { env });
    expect(more.code).toBe(2);
    expect(json(more.stdout)).toMatchObject({ error: { name: "LockKindError", field: "--permits" } });
    expect(more.stderr).toContain('lock "cli/pool" is a semaphore of 2 permits; asked for a semaphore of 3 permits');
    const exclusive = await runScythe(["lock", "acquire", "cli/pool", "--owner", "erin"], { env });
    expect(exclusive.code).toBe(2);
    expect(exclusive.stderr).toContain('lock "cli/pool" is a semaphore of 2 permits; asked for an exclusive lock');
    const status = await runScythe(["lock", "status", "cli/pool"], { env });
    expect(status.stdout).toContain("cli/pool: a semaphore of 2 permits (cli/pool#0 .. cli/pool#1)");
  });

  it("--turn: a later acquire with the same --owner takes the lock again past a waiting line until the turn ends; others wait in line", async () => {
    const store = new DynamoLockStore(doc, { tableName: names.locks });
    const first = await runScythe(["lock", "acquire", "cli/turn", "--lease", "1m", "--owner", "ci-7", "--turn", "10m", "--json"], { env });
    expect(first.code).toBe(0);
    expect(json(first.stdout)).toMatchObject({ owner: "ci-7", token: 1 });
    expect((await runScythe(["lock", "release", "cli/turn", "--owner", "ci-7", "--token", "1"], { env })).code).toBe(0);
    // Someone is now waiting in line (a ticket taken, its claim not yet made).
    await store.takeTicket("cli/turn");
    const bob = await runScythe(["lock", "acquire", "cli/turn", "--lease", "1m", "--owner", "bob"], { env });
    expect(bob.code).toBe(1);
    const again = await runScythe(["lock", "acquire", "cli/turn", "--lease", "1m", "--owner", "ci-7", "--turn", "10m"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("token 2");
    expect(again.stdout).toContain("takes it again past any waiting line");
    // Without --turn the same owner queues like anyone else (no turn of its own is started or used).
    expect((await runScythe(["lock", "release", "cli/turn", "--owner", "ci-7", "--token", "2"], { env })).code).toBe(0);
    const strict = await runScythe(["lock", "acquire", "cli/turn", "--lease", "1m", "--owner", "ci-7"], { env });
    expect(strict.code).toBe(1);
  });

  it("says clearly that no local world is running, and how to start one", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "scythe-empty-"));
    const result = await runScythe(["lock", "status", "x"], { cwd, env: { SCYTHE_WORLD: "" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No local world is running");
    expect(result.stderr).toContain("scythe dev");
  });

  it("prints useful help", async () => {
    const help = await runScythe(["--help"]);
    expect(help.stdout).toMatch(/dev[\s\S]*demo[\s\S]*lock/);
    const lockHelp = await runScythe(["lock", "acquire", "--help"]);
    expect(lockHelp.stdout).toContain("--lease <duration>");
  });
});
