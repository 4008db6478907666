import type { DeployReport } from "@scythe/core/deploy";
import { followProgress, localDeployServices, startLocalDeploy } from "../stepfunctions/index.js";
import type { LocalWorld } from "../world/world.js";
import type { Narrator } from "./DemoStep.js";

/**
 * The demo's timings: one-second polls (only a fallback: each wait lasts what the load
 * balancer or the deployment's event says) and a lease that outlasts the longest wait, so
 * that one Wait covers a load balancer's 300 s draining (every Wait is capped at half the
 * lease less 10 s): 2 x 300 + 10. The world's clock runs 1 ms per simulated second.
 */
export const demoTimings = { pollSeconds: { lock: 1, drain: 1, deploy: 1, health: 1 }, leaseSeconds: 610 } as const;

/**
 * Runs one rollout of the deployed state machine in the local world and prints its progress
 * as `scythe deploy --follow` would; the caller audits the simulator's log afterwards.
 */
export async function runDemoRollout(world: LocalWorld, output: Narrator, input: Record<string, unknown>) {
  const services = localDeployServices({ doc: world.doc, tables: world.endpoints.tables, simulator: world.endpoints.simulator });
  // Waits on the simulator's clock, each as long as its state says: a fixed 25 ms (as before)
  // cut a 300 s drain into a dozen polls of Wait, CheckDrained and Drained (100-107 transitions
  // for three instances instead of about 50).
  const execution = await startLocalDeploy({ ...input, ...demoTimings }, { services });
  const follow = followProgress(services.journal, execution.executionArn, execution.result, (line) => output.progress(line), 40);
  const result = await execution.result;
  await follow;
  return { services, result, report: result.output as DeployReport | undefined };
}
