import pc from "picocolors";
import { startLocalWorld } from "../world/world.js";
import type { DemoStep, Narrator } from "./DemoStep.js";
import { leasesDemo } from "./leasesDemo.js";
import { lockDemo } from "./lockDemo.js";
import { orphansDemo } from "./orphansDemo.js";
import { reaperDemo } from "./reaperDemo.js";
import { deallocatorDemo } from "./deallocatorDemo.js";
import { deployDemo } from "./deployDemo.js";
import { ec2DeployDemo } from "./ec2DeployDemo.js";

/** The jobs the demo shows, in order. Each issue that adds a job adds its step here. */
export const demoSteps: readonly DemoStep[] = [lockDemo, reaperDemo, leasesDemo, deallocatorDemo, orphansDemo, deployDemo, ec2DeployDemo];

export interface DemoReport {
  readonly ok: boolean;
  readonly steps: { title: string; summary: string; details: Record<string, unknown> }[];
  readonly summary: string;
}

export async function runDemo(output: Narrator, steps: readonly DemoStep[] = demoSteps): Promise<DemoReport> {
  output.progress("starting the local world (DynamoDB Local + fleet simulator)");
  const world = await startLocalWorld({ timeScale: 1 });
  output.progress(`DynamoDB Local at ${world.endpoints.dynamodb}, fleet simulator at ${world.endpoints.simulator}`);
  const results: DemoReport["steps"] = [];
  try {
    for (const step of steps) {
      output.progress(pc.bold(step.title));
      const result = await step.run(world, output);
      results.push({ title: step.title, ...result });
    }
  } finally {
    await world.stop();
  }
  const ok = results.every((r) => r.details.ok !== false);
  const lines = results.map((r) => `${r.details.ok === false ? pc.red("✗") : pc.green("✓")} ${r.title}\n    ${r.summary}`);
  const timelines = results.flatMap((r) => (typeof r.details.timeline === "string" ? [r.details.timeline] : []));
  const open = timelines.map((url) => `\nOpen the timeline of the demo rollout: ${url}`).join("");
  return { ok, steps: results, summary: `Scythe demo report\n${lines.join("\n")}${open}` };
}
