import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableNames } from "@scythe/core/schema";
import { runCli } from "../../packages/local/src/cli/runCli.js";
import type { CliResult } from "./cli.js";

/** Runs the `scythe` program in this process (no spawn), with its own streams and environment. */
export async function scytheInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NO_COLOR: "1", ...env },
  });
  return { code, stdout, stderr };
}

/** A world file naming this test's tables (and simulator, if any), as `scythe dev` writes it. */
export async function worldFile(world: { dynamodb: string; simulator?: string; tables: TableNames }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "scythe-world-"));
  const file = join(dir, "world.json");
  const simulator = world.simulator ?? "";
  await writeFile(file, JSON.stringify({ dynamodb: world.dynamodb, simulator, heroku: simulator ? `${simulator}/heroku` : "", tables: world.tables, pid: process.pid }));
  return file;
}

/** Every item of every table, raw (attribute values as DynamoDB returns them), in a stable order. */
export async function tablesSnapshot(client: DynamoDBClient, tables: TableNames): Promise<string> {
  const out: Record<string, string[]> = {};
  for (const [key, TableName] of Object.entries(tables)) {
    const items: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName, ConsistentRead: true, ExclusiveStartKey: start as never }));
      for (const item of page.Items ?? []) items.push(stable(item));
      start = page.LastEvaluatedKey;
    } while (start);
    out[key] = items.sort();
  }
  return JSON.stringify(out);
}

/** JSON with object keys sorted at every level, so equal items print equal. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
