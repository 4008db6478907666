import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScythe } from "../../../../test/support/cli.js";
import { scytheInProcess } from "../../../../test/support/inProcess.js";
// @ts-expect-error plain JavaScript beside the binary, without declarations
import { freshBuild } from "../../bin/fresh-build.js";

/**
 * `scythe` runs as JavaScript built from the TypeScript (packages/local/dist/cli). These tests
 * hold the build to the source, and hold `--help` to loading only the command tree.
 */
const localRoot = fileURLToPath(new URL("../../", import.meta.url));
const recordLoads = fileURLToPath(new URL("./fixtures/recordLoads.mjs", import.meta.url));
const noWorld = join(tmpdir(), "scythe-no-such-world", "world.json");

const cases: string[][] = [
  ["--help"],
  ...[
    ["dev"], ["demo"], ["lock"], ["lock", "status"], ["lock", "acquire"], ["lock", "release"], ["deallocate"], ["orphans"],
    ["leases"], ["leases", "acquire"], ["leases", "release"], ["leases", "extend"], ["leases", "list"], ["leases", "expire"],
    ["resources"], ["resources", "create"], ["resources", "list"], ["resources", "mark-delete"],
    ["reap"], ["deploy"], ["deploy", "report"], ["cost"], ["dlq"], ["dlq", "list"], ["dlq", "redrive"],
  ].map((command) => [...command, "--help"]),
  // Bad input: commander's usage errors, and the commands' own checks (before any world is looked for).
  ["--bogus"],
  ["frobnicate", "--json"],
  ["lock", "status"],
  ["reap", "--no-such-option"],
  ["leases", "acquire", "r-1", "--json"],
  ["lock", "acquire", "x", "--lease", "5"],
  ["reap", "--on-conflict", "retry", "--json"],
  ["cost", "--fleet", "1", "--schedule", "bogus"],
  ["dev", "--time-scale", "fast"],
  ["deploy", "--stack", "s", "--json"],
  // No world: a clear failure, exit 1.
  ["lock", "status", "x"],
];

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

describe("CLI: the built binary and the TypeScript source agree", () => {
  it("print the same help, the same errors and exit with the same codes", async () => {
    const env = { SCYTHE_WORLD: noWorld, NO_COLOR: "1" };
    const built = await inBatches(cases, 4, (args) => runScythe(args, { env }));
    // Colour is the terminal's business: in-process, picocolors decided it when the test worker
    // loaded it (CI=true turns it on), so the text is compared without escape codes.
    const plain = (r: { code: number | null; stdout: string; stderr: string }) => ({ code: r.code, stdout: stripVTControlCharacters(r.stdout), stderr: stripVTControlCharacters(r.stderr) });
    for (const [i, args] of cases.entries()) {
      const source = await scytheInProcess(args, env);
      const mine = built[i];
      if (!mine) throw new Error(`no built result for ${args.join(" ")}`);
      expect({ args, ...plain(mine) }).toEqual({ args, ...plain(source) });
    }
    // The cases cover all three outcomes, so agreeing is not agreeing on one thing.
    expect(new Set(built.map((r) => r.code))).toEqual(new Set([0, 1, 2]));
  }, 180_000);
});

/** What a run of the built binary loaded: the build's chunks and every source they hold. */
async function loadsOf(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = join(await mkdtemp(join(tmpdir(), "scythe-loads-")), "loads.txt");
  await writeFile(log, "");
  const result = await runScythe(args, { env: { SCYTHE_LOAD_LOG: log, ...env }, nodeArgs: ["--import", recordLoads] });
  const urls = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  const files = urls.filter((u) => u.startsWith("file:")).map((u) => fileURLToPath(u));
  const main = files.find((f) => /dist\/cli\/[^/]+\/main\.js$/.test(f));
  if (!main) throw new Error(`the built main.js was not loaded: ${urls.join(", ")}`);
  const meta = JSON.parse(await readFile(join(dirname(main), "meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const chunks = files.map((f) => relative(localRoot, f)).filter((f) => meta.outputs[f] !== undefined);
  const sources = chunks.flatMap((c) => Object.keys(meta.outputs[c]?.inputs ?? {}));
  return { result, urls, chunks, sources };
}

const aws = /node_modules\/(@aws-sdk|@smithy)\//;

describe("CLI: --help loads the command tree alone", () => {
  let server: Server;
  let world: string;
  beforeAll(async () => {
    // Answers every DynamoDB call with an error: enough for a command to load what it needs and send its first request.
    server = createServer((_req, res) => {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#ValidationException", message: "refused by the test" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    world = join(await mkdtemp(join(tmpdir(), "scythe-world-")), "world.json");
    await writeFile(world, JSON.stringify({ dynamodb: `http://127.0.0.1:${port}`, simulator: "", heroku: "", tables: { locks: "locks-t", registry: "registry-t" }, pid: process.pid }));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("`scythe --help` loads no AWS SDK, no core and no command's action", async () => {
    const { result, urls, chunks, sources } = await loadsOf(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: scythe/);
    expect(chunks.length).toBeGreaterThan(0);
    expect(sources.some((s) => s.includes("node_modules/commander/"))).toBe(true);
    expect(sources.filter((s) => aws.test(s))).toEqual([]);
    expect(urls.filter((u) => /@aws-sdk|@smithy/.test(u))).toEqual([]);
    expect(sources.filter((s) => s.includes("src/cli/actions/") || s.includes("packages/core/"))).toEqual([]);
  }, 60_000);

  it("`scythe lock status` loads its action and the DynamoDB client (so the check above can fail)", async () => {
    const { result, sources } = await loadsOf(["lock", "status", "x"], { SCYTHE_WORLD: world });
    expect(result.stderr).toMatch(/refused by the test/);
    expect(result.code).toBe(1);
    expect(sources.some((s) => s.endsWith("src/cli/actions/lock.ts"))).toBe(true);
    expect(sources.some((s) => s.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    // Only what `lock status` uses: no OpsWorks, no load balancers.
    expect(sources.filter((s) => /client-(opsworks|elastic-load-balancing)\//.test(s))).toEqual([]);
  }, 60_000);
});

describe("CLI launcher: a build is run only while it is fresh", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "scythe-builds-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const record = (startedAt: number, inputs: string[]) => writeFile(join(dir, "current.json"), JSON.stringify({ id: "b1", main: "b1/main.js", startedAt, inputs }));
  const at = (file: string, ms: number) => utimes(join(dir, file), ms / 1000, ms / 1000);

  it("runs the build while every source is older than it, and rebuilds after an edit, a deletion or without a record", async () => {
    expect(freshBuild(dir)).toBeUndefined();
    await writeFile(join(dir, "a.ts"), "a");
    await writeFile(join(dir, "b.ts"), "b");
    await at("a.ts", 1_000_000);
    await at("b.ts", 2_000_000);
    await record(3_000_000, ["a.ts", "b.ts"]);
    expect(freshBuild(dir)).toBe(join(dir, "b1/main.js"));
    await at("b.ts", 3_000_000); // edited as the build began: it may hold the old text
    expect(freshBuild(dir)).toBeUndefined();
    await at("b.ts", 2_000_000);
    await record(3_000_000, ["a.ts", "b.ts", "gone.ts"]);
    expect(freshBuild(dir)).toBeUndefined();
  });
});
