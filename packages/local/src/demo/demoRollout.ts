import type { DeployReport } from "@scythe/core/deploy";
import { followProgress, localDeployServices, startLocalDeploy } from "../stepfunctions/index.js";
import type { LocalWorld } from "../world/world.js";
import type { Narrator } from "./DemoStep.js";

/** The demo's timings: one-second polls and a one-minute lock lease, so a rollout runs in seconds. */
// The lease must outlast a deployment awaited without news (its 120 s heartbeat): 2 x 120 + 10.
export const demoTimings = { pollSeconds: { lock: 1, drain: 1, deploy: 1, health: 1 }, leaseSeconds: 250 } as const;

/**
 * Runs one rollout of the deployed state machine in the local world and prints its progress
 * as `scythe deploy --follow` would; the caller audits the simulator's log afterwards.
 */
export async function runDemoRollout(world: LocalWorld, output: Narrator, input: Record<string, unknown>) {
  const services = localDeployServices({ doc: world.doc, tables: world.endpoints.tables, simulator: world.endpoints.simulator });
  const execution = await startLocalDeploy({ ...input, ...demoTimings }, { services, waitMs: 25 });
  const follow = followProgress(services.journal, execution.executionArn, execution.result, (line) => output.progress(line), 40);
  const result = await execution.result;
  await follow;
  return { services, result, report: result.output as DeployReport | undefined };
}
