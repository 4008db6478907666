import type { DeployFunction, DeployServices } from "@scythe/core/deploy";
import type { LambdaHandler } from "./lambdaInvoke.js";

/**
 * The deploy handlers, built over the given services. Their JSON logs and EMF lines are
 * for CloudWatch: in a local run they would mix into the CLI's stdout, so unless the
 * caller says otherwise they are silenced before the handler modules first load.
 */
export async function loadDeployHandlers(services: () => DeployServices): Promise<{
  handlers: Record<DeployFunction, LambdaHandler>;
  cleanup: LambdaHandler;
  deploymentEvent: LambdaHandler;
  commandEvent: LambdaHandler;
}> {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  const module = await import("@scythe/functions/deploy/index");
  return { handlers: module.deployHandlers(services), cleanup: module.cleanupHandler(services), deploymentEvent: module.deploymentEventHandler(services), commandEvent: module.commandEventHandler(services) };
}
