import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { localDeployServices } from "../../packages/local/src/stepfunctions/index.js";
import { freshTables } from "./dynamo.js";

export type DeployTables = Awaited<ReturnType<typeof freshTables>>;

/** Polls and a lease short enough that a rollout spends almost no real time waiting. */
// The lease must outlast a deployment's wait without news (120 s heartbeat): 2 x 120 + 10.
export const fastDeploy = { pollSeconds: { lock: 1, drain: 1, deploy: 1, health: 1 }, leaseSeconds: 250 };

/**
 * The world a deploy end-to-end test runs in: fresh tables, and a simulator at 0.2 real ms per
 * simulated second (a 300 s drain lasts 60 ms, long enough for concurrent deploys to overlap).
 */
export async function startDeployWorld(): Promise<{ sim: FleetSimulator; world: DeployTables }> {
  return { sim: await startFleetSimulator({ timeScale: 0.2 }), world: await freshTables() };
}

/** The deploy tasks' services wired to that world, as the local runner gives them to the handlers. */
export function deployServices(sim: FleetSimulator, world: DeployTables, maxAttempts?: number) {
  return localDeployServices({ doc: world.doc, tables: world.names, simulator: sim.endpoint, maxAttempts });
}
