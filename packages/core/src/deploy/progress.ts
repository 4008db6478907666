import type { KeptIn } from "./detachPlan.js";

/** Where one instance is in the rollout. The order is the order a healthy rollout moves in. */
export const instancePhases = [
  "pending",
  "skipped",
  "detaching",
  "draining",
  "deploying",
  "deployed",
  "attaching",
  "done",
  "failed",
  "reattached",
] as const;
export type InstancePhase = (typeof instancePhases)[number];

/** Phases in which the instance may be out of some of its load balancers. */
export const detachedPhases: readonly InstancePhase[] = ["detaching", "draining", "deploying", "deployed", "failed", "attaching"];

export type DeployStatus = "running" | "stopping" | "succeeded" | "failed" | "aborted" | "timed_out";

export interface InstanceProgress {
  readonly executionId: string;
  readonly instanceId: string;
  readonly hostname: string;
  readonly endpointId?: string;
  /** 0-based batch number; -1 for a skipped instance. */
  readonly batch: number;
  readonly phase: InstancePhase;
  readonly detachFrom?: readonly string[];
  readonly keptIn?: readonly KeptIn[];
  readonly deploymentId?: string;
  readonly deploymentStatus?: string;
  readonly skippedReason?: string;
  /** A skipped instance's status at the deploy target when the rollout was planned (e.g. "stopped"). */
  readonly targetStatus?: string;
  /** ISO timestamps by phase: detachedAt, drainedAt, deployStartedAt, deployedAt, attachedAt, inServiceAt, reattachedAt. */
  readonly times: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

export interface DeploySummary {
  readonly executionId: string;
  readonly status: DeployStatus;
  readonly stackId: string;
  readonly layerId: string;
  readonly appId: string;
  readonly batchSize: number;
  readonly lockName: string;
  readonly owner: string;
  readonly token: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly total?: number;
  readonly batches?: number;
  /** Instances of the layer left out of the rollout (not online). */
  readonly skipped?: number;
  readonly completedBatches?: number;
  readonly error?: { readonly name: string; readonly message: string };
}

export type InstancePatch = Partial<
  Pick<InstanceProgress, "phase" | "detachFrom" | "keptIn" | "deploymentId" | "deploymentStatus">
> & {
  /** A timestamp (of `times`) set to now. */
  readonly time?: string;
  /** A timestamp set to now only where the record has none yet (a step folded into a later one's write, which a retry repeats). */
  readonly timeIfAbsent?: string;
};

export type SummaryPatch = Partial<Pick<DeploySummary, "status" | "total" | "batches" | "skipped" | "completedBatches" | "error">>;
