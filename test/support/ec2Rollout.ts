import type { DeployReport } from "@scythe/core/deploy";
import { parseInput } from "@scythe/core/validation";
import { deployInput } from "@scythe/core/deploy";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";

export { auditEc2Rollout, targetMembership, type Ec2Audit, type TargetMembership } from "../../packages/local/src/world/ec2Audit.js";
import { localDeployServices } from "../../packages/local/src/stepfunctions/index.js";
import type { DeployTables } from "./deployWorld.js";

/** Runs one EC2 rollout in the local world through the deploy state machine. */
export async function runEc2Rollout(sim: FleetSimulator, world: DeployTables, input: Record<string, unknown>, maxAttempts?: number) {
  // As deployed: the services are the shared ones; the { ec2 } input picks the EC2 target (servicesFor).
  if (!parseInput(deployInput, input).ec2) throw new Error("not an EC2 input");
  const services = localDeployServices({ doc: world.doc, tables: world.names, simulator: sim.endpoint, ...(maxAttempts !== undefined && { maxAttempts }) });
  const execution = await startLocalDeploy(input as Parameters<typeof startLocalDeploy>[0], { services, waitMs: 5 });
  const result = await execution.result;
  return { result, report: result.output as DeployReport | undefined, services };
}
