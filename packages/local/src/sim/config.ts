/** Simulated durations and limits, adjustable at runtime through POST /_sim/config. */
import type { ConfigPatch, SimConfig } from "./schemas.js";

export function defaultConfig(timeScale: number): SimConfig {
  return {
    timeScale,
    deploymentSeconds: 60,
    healthCheckSeconds: 30,
    stopSeconds: 20,
    defaultDrainSeconds: 300,
    herokuDeleteSeconds: 0,
    // AWS's largest DescribeLoadBalancers page; tests set it small so callers' pagination runs.
    elbPageSize: 400,
    // Heroku's real budget: 4500 requests per hour.
    herokuRateLimit: { perSecond: 4500 / 3600, max: 4500 },
    ssmPendingSeconds: 1,
    ssmRunSeconds: 10,
    ssmInvocationVisibleSeconds: 0,
    ssmEventMaxDelaySeconds: 5,
    ssmEventDuplicateProbability: 0.1,
    opsworksEventMaxDelaySeconds: 5,
    opsworksEventDuplicateProbability: 0.1,
  };
}

/** Applies a validated patch (per-LB drain times are handled by the caller). */
export function applyConfigPatch(config: SimConfig, patch: ConfigPatch): SimConfig {
  return {
    timeScale: patch.timeScale ?? config.timeScale,
    deploymentSeconds: patch.deploymentSeconds ?? config.deploymentSeconds,
    healthCheckSeconds: patch.healthCheckSeconds ?? config.healthCheckSeconds,
    stopSeconds: patch.stopSeconds ?? config.stopSeconds,
    defaultDrainSeconds: patch.defaultDrainSeconds ?? config.defaultDrainSeconds,
    herokuDeleteSeconds: patch.herokuDeleteSeconds ?? config.herokuDeleteSeconds,
    elbPageSize: patch.elbPageSize ?? config.elbPageSize,
    ssmPendingSeconds: patch.ssmPendingSeconds ?? config.ssmPendingSeconds,
    ssmRunSeconds: patch.ssmRunSeconds ?? config.ssmRunSeconds,
    ssmInvocationVisibleSeconds: patch.ssmInvocationVisibleSeconds ?? config.ssmInvocationVisibleSeconds,
    ssmEventMaxDelaySeconds: patch.ssmEventMaxDelaySeconds ?? config.ssmEventMaxDelaySeconds,
    ssmEventDuplicateProbability: patch.ssmEventDuplicateProbability ?? config.ssmEventDuplicateProbability,
    opsworksEventMaxDelaySeconds: patch.opsworksEventMaxDelaySeconds ?? config.opsworksEventMaxDelaySeconds,
    opsworksEventDuplicateProbability: patch.opsworksEventDuplicateProbability ?? config.opsworksEventDuplicateProbability,
    herokuRateLimit: {
      perSecond: patch.herokuRateLimit?.perSecond ?? config.herokuRateLimit.perSecond,
      max: patch.herokuRateLimit?.max ?? config.herokuRateLimit.max,
    },
  };
}
