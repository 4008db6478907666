import type { LocalWorld } from "../world/world.js";

/** Where a demo step tells what it does, line by line (the CLI's Output is one). */
export interface Narrator {
  progress(message: string): void;
}

/** One job shown by `scythe demo`: it runs against the world and returns what it found and did. */
export interface DemoStep {
  readonly title: string;
  run(world: LocalWorld, output: Narrator): Promise<{ summary: string; details: Record<string, unknown> }>;
}
