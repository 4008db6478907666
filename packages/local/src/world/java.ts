import { spawnSync } from "node:child_process";
import { ScytheError } from "@scythe/core/errors";

export class JavaMissingError extends ScytheError {}

const minimumMajor = 17;

/** DynamoDB Local is a Java program: fail with one actionable line when Java is absent or old. */
export function checkJava(env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8", env });
  const advice = `DynamoDB Local needs Java ${minimumMajor} or newer on PATH: install a JRE (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17).`;
  if (result.error || result.status !== 0) throw new JavaMissingError(advice);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === "1" ? match[2] : match[1]) : NaN;
  if (!(major >= minimumMajor)) throw new JavaMissingError(`${advice} Found: ${match?.[0] ?? "an unknown version"}.`);
}
