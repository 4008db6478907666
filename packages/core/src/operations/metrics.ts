/**
 * The names Scythe's functions emit metrics under and the stacks alarm and chart on:
 * one place, so an alarm can never watch a metric no function emits.
 */
export const metricNamespace = "Scythe";
export const metricService = "scythe";

/** Every metric carries these dimensions (Powertools adds `service`; `stage` separates stages in one account). */
export const metricDimensions = (stage: string) => ({ service: metricService, stage });

/** A job's metric: `<job>.<what>`. */
export const jobMetric = (job: string, what: string) => `${job}.${what}`;

/**
 * The `job` label of each scheduled job's handler, keyed by its schedule name. A scheduled
 * handler emits `<job>.heartbeat` once per run, so a missing run is visible.
 */
export const scheduledJobMetrics = {
  reaper: "reaper",
  expiry: "lease-expiry",
  deallocator: "deallocator",
  orphans: "orphans",
} as const;

/** Jobs fed by the registry's stream. */
export const streamJobMetrics = ["lease-stream", "deallocator-stream"] as const;

/** Per job, the count it emits for what it removed (charted as deletions). */
export const deletionMetrics = {
  reaper: "reaper.deleted",
  "lease-expiry": "lease-expiry.expired",
  deallocator: "deallocator.destroyed",
  orphans: "orphans.removed",
} as const;

/** Per job, the count of items a sweep failed on without failing the run (alarmed like a failed run). */
export const itemErrorMetrics = {
  reaper: "reaper.errors",
  "lease-expiry": "lease-expiry.errors",
  deallocator: "deallocator.errors",
  orphans: "orphans.errors",
} as const;

/** The expiry sweep's backlog (due objects it found) and lag (seconds the oldest was overdue). */
export const expiryBacklogMetric = "lease-expiry.backlog";
export const expiryLagMetric = "lease-expiry.lagSeconds";

/** Deploy progress: instances planned by `prepare`, instances back in service after their batch. */
export const deployPlannedMetric = "deploy.instancesPlanned";
export const deployDoneMetric = "deploy.instancesDone";
