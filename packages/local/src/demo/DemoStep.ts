import type { Output } from "../cli/output.js";
import type { LocalWorld } from "../world/world.js";

/** One job shown by `scythe demo`: it runs against the world and returns what it found and did. */
export interface DemoStep {
  readonly title: string;
  run(world: LocalWorld, output: Output): Promise<{ summary: string; details: Record<string, unknown> }>;
}
