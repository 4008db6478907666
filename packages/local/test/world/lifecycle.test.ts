import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../../src/world/dynamodbLocal.js";
import { checkJava, JavaMissingError } from "../../src/world/java.js";
import { isAlive as alive } from "../../src/world/worldFile.js";

const fixture = fileURLToPath(new URL("./fixtures/holdDynamo.ts", import.meta.url));


async function startHolder(mode: "wait" | "crash") {
  // One process (no tsx wrapper process), so the signal reaches the process that owns Java.
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], { stdio: ["ignore", "pipe", "pipe"] });
  const javaPid = await new Promise<number>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { javaPid: number }).javaPid);
    });
    child.once("exit", (code) => reject(new Error(`holder exited early (${code})`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, javaPid, exited };
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

describe("DynamoDB Local lifecycle", () => {
  it.each(["SIGKILL", "SIGINT", "SIGTERM"] as const)("leaves no Java process behind when its parent gets %s", async (signal) => {
    const { child, javaPid } = await startHolder("wait");
    expect(alive(javaPid)).toBe(true);
    child.kill(signal);
    expect(await goneWithin(javaPid, 5000)).toBe(true);
  });

  it("leaves no Java process behind when its parent crashes on an uncaught exception", async () => {
    const { javaPid, exited } = await startHolder("crash");
    expect(await exited).toBe(1);
    expect(await goneWithin(javaPid, 5000)).toBe(true);
  });

  it("says in one line what to install when Java is missing", () => {
    const error = (() => {
      try {
        checkJava({ PATH: "/nonexistent" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JavaMissingError);
    expect((error as Error).message).toMatch(/needs Java 17 or newer.*install/);
    expect((error as Error).message).not.toContain("\n");
  });

  it("says what to install when Java is missing at start, without waiting out the start timeout", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startDynamoDbLocal({ readyTimeoutMs: 600_000 })).rejects.toBeInstanceOf(JavaMissingError);
    } finally {
      process.env.PATH = path;
    }
  });

  it("starts the JVM with its first JIT tier only when asked for a quick start, and leaves this process's environment as it was", async () => {
    const before = process.env.JDK_JAVA_OPTIONS;
    const environOf = async (pid: number | undefined) => (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
    const quick = await startDynamoDbLocal({ quickStart: true });
    const plain = await startDynamoDbLocal();
    try {
      expect(await environOf(quick.pid)).toContain("JDK_JAVA_OPTIONS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
      expect((await environOf(plain.pid)).filter((v) => v.startsWith("JDK_JAVA_OPTIONS="))).toEqual(before === undefined ? [] : [`JDK_JAVA_OPTIONS=${before}`]);
      expect(process.env.JDK_JAVA_OPTIONS).toBe(before);
    } finally {
      await Promise.all([quick.stop(), plain.stop()]);
    }
  }, 120_000);
});
