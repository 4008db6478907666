import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDynamoDbLocal } from "../src/world/dynamodbLocal.js";
import { benchDynamo, ratio, table } from "./support.js";

/**
 * How fast `scythe` starts, three ways in turn (A B C A B C ...) in the same process: as it
 * ran before (the TypeScript through tsx, every command's module loaded at start: the
 * baseline), the source through tsx with commands loaded on demand (SCYTHE_FROM_SOURCE=1),
 * and the built CLI. Figures are wall-clock medians and their ratio:
 * - `scythe --help`, from spawn to exit;
 * - `scythe lock status`, from spawn to its first request reaching DynamoDB Local (a proxy in
 *   this process timestamps the request as it arrives, then forwards it);
 * - DynamoDB Local's start, its JVM as tests and benchmarks run it against the quick start
 *   that `scythe dev` asks for, from spawn to the first answer;
 * - `scythe dev`, from spawn to its endpoints printed on stdout.
 * BENCH_CLI_RUNS (default 5) sets the runs of each.
 */
const runs = Number(process.env.BENCH_CLI_RUNS ?? 5);
const bin = fileURLToPath(new URL("../bin/scythe.js", import.meta.url));
const eager = fileURLToPath(new URL("./fixtures/eagerCli.ts", import.meta.url));
/** How each path starts `scythe`: node's arguments before the CLI's, and its environment. */
const paths = {
  // tsx by its resolved URL: `scythe dev` runs in a directory of its own, where the name would not resolve.
  "before (tsx, every command loaded)": { node: ["--import", import.meta.resolve("tsx"), eager], env: {} },
  "tsx, on demand": { node: [bin], env: { SCYTHE_FROM_SOURCE: "1" } },
  built: { node: [bin], env: { SCYTHE_FROM_SOURCE: "" } },
} as const;
type PathName = keyof typeof paths;
const names = Object.keys(paths) as PathName[];
const baseline: PathName = "before (tsx, every command loaded)";

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const ms = (value: number) => `${Math.round(value)} ms`;

interface Run {
  readonly exited: Promise<number | null>;
  readonly kill: (signal: NodeJS.Signals) => void;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function scythe(path: PathName, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Run {
  const how = paths[path];
  const child = spawn(process.execPath, [...how.node, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...how.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  return { exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))), kill: (signal) => child.kill(signal), stdout: () => stdout, stderr: () => stderr };
}

/** Runs `measure` for each path in turn, `runs` times, after one warm-up of each (which also brings the build up to date). */
async function paired(measure: (path: PathName) => Promise<number>): Promise<Record<PathName, number[]>> {
  const out = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<PathName, number[]>;
  for (const name of names) await measure(name);
  for (let i = 0; i < runs; i++) for (const name of names) out[name].push(await measure(name));
  return out;
}

function report(what: string, figures: Record<PathName, number[]>): Record<string, string> {
  const base = median(figures[baseline]);
  const built = median(figures.built);
  return {
    what,
    ...Object.fromEntries(names.map((name) => [name, ms(median(figures[name]))])),
    "built / before": ratio(built, base),
    "built min..max": `${ms(Math.min(...figures.built))}..${ms(Math.max(...figures.built))}`,
  };
}

/** `scythe --help`, spawn to exit. */
function helpTime(path: PathName): Promise<number> {
  const started = performance.now();
  const run = scythe(path, ["--help"]);
  return run.exited.then((code) => {
    if (code !== 0) throw new Error(`scythe --help (${path}) exited ${code}:\n${run.stderr()}`);
    return performance.now() - started;
  });
}

/** A proxy in front of DynamoDB Local that notes when the first request of a run arrives. */
async function timestampingProxy(target: string) {
  const upstream = new URL(target);
  let firstAt: number | undefined;
  const server: Server = createServer((req, res) => {
    firstAt ??= performance.now();
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.once("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reset: () => (firstAt = undefined),
    firstAt: () => firstAt,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `scythe dev`, spawn to its endpoints (the JSON document) on stdout; then Ctrl-C. */
async function devTime(path: PathName, cwd: string): Promise<number> {
  const started = performance.now();
  const run = scythe(path, ["dev"], {}, cwd);
  const printed = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/^\{[\s\S]*\n\}\n/m.test(run.stdout())) {
        clearInterval(timer);
        resolve(performance.now() - started);
      }
    }, 5);
    void run.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`scythe dev (${path}) exited ${code} before printing its endpoints:\n${run.stderr()}`));
    });
  });
  run.kill("SIGINT");
  await run.exited.catch(() => undefined);
  return printed;
}

export async function run(): Promise<void> {
  console.log(`node ${process.version}; ${runs} runs of each after a warm-up, in turn; medians`);
  const rows: Record<string, string>[] = [];

  rows.push(report("scythe --help (spawn to exit)", await paired(helpTime)));

  const dynamo = await benchDynamo(`bench-cli-${process.pid}-`);
  const proxy = await timestampingProxy(dynamo.endpoint);
  const dir = await mkdtemp(join(tmpdir(), "scythe-bench-cli-"));
  try {
    const world = join(dir, "world.json");
    await writeFile(world, JSON.stringify({ dynamodb: proxy.endpoint, simulator: "", heroku: "", tables: dynamo.names, pid: process.pid }));
    const firstRequest = await paired(async (path) => {
      proxy.reset();
      const started = performance.now();
      const status = scythe(path, ["lock", "status", "bench/cli"], { SCYTHE_WORLD: world });
      const code = await status.exited;
      const at = proxy.firstAt();
      if (code !== 0 || at === undefined) throw new Error(`scythe lock status (${path}) exited ${code}${at === undefined ? " without a request" : ""}:\n${status.stderr()}`);
      return at - started;
    });
    rows.push(report("scythe lock status (spawn to first request)", firstRequest));
  } finally {
    await proxy.close();
    await dynamo.stop();
  }

  // DynamoDB Local's JVM: as tests and benchmarks start it, and with `scythe dev`'s quick start.
  const jvm = { plain: [] as number[], quick: [] as number[] };
  for (let i = 0; i <= runs; i++) {
    for (const kind of ["plain", "quick"] as const) {
      const started = performance.now();
      const local = await startDynamoDbLocal({ quickStart: kind === "quick" });
      if (i > 0) jvm[kind].push(performance.now() - started);
      await local.stop();
    }
  }
  rows.push({
    what: "DynamoDB Local start (spawn to first answer)",
    [baseline]: `${ms(median(jvm.plain))} (JVM as before)`,
    "tsx, on demand": "",
    built: `${ms(median(jvm.quick))} (quick start)`,
    "built / before": ratio(median(jvm.quick), median(jvm.plain)),
    "built min..max": `${ms(Math.min(...jvm.quick))}..${ms(Math.max(...jvm.quick))}`,
  });

  try {
    rows.push(report("scythe dev (spawn to endpoints)", await paired((path) => devTime(path, dir))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  table(rows);
  console.log(
    "before: the same source through tsx with every command's module loaded at start, as the CLI ran before; " +
      "tsx, on demand: SCYTHE_FROM_SOURCE=1. `scythe dev` starts its JVM quickly on every path: the JVM row shows what that alone saves.",
  );
}
