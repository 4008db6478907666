import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScythe, scytheBin } from "../support/cli.js";
import { isAlive as alive } from "../../packages/local/src/world/worldFile.js";


describe("CLI: scythe dev", () => {
  it("prints endpoints, serves other commands through .scythe/world.json, and cleans up on Ctrl-C", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "scythe-dev-"));
    const dev = spawn(process.execPath, [scytheBin, "dev"], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    const exited = new Promise<number | null>((resolve) => dev.once("exit", (code) => resolve(code)));
    const endpoints = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = "";
      dev.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        try {
          resolve(JSON.parse(out) as Record<string, unknown>);
        } catch {
          // not a whole document yet
        }
      });
      void exited.then((code) => reject(new Error(`scythe dev exited early (${code})`)));
    });
    expect(endpoints).toMatchObject({ dynamodb: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), simulator: expect.stringMatching(/^http:/), statusPage: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) });
    expect(existsSync(join(cwd, ".scythe", "world.json"))).toBe(true);

    const status = await runScythe(["lock", "status", "dev/check", "--json"], { cwd, env: { SCYTHE_WORLD: "" } });
    expect(JSON.parse(status.stdout)).toMatchObject({ held: false, token: 0 });

    const javaPids = (await import("node:child_process")).execSync(`pgrep -f "[D]ynamoDBLocal.jar.*-port ${new URL(String(endpoints.dynamodb)).port}" || true`).toString().trim().split("\n").filter(Boolean).map(Number);
    expect(javaPids.length).toBe(1);
    dev.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(existsSync(join(cwd, ".scythe", "world.json"))).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(javaPids.filter(alive)).toEqual([]);
  });
});
