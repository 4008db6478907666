import type { TransactItem } from "../aws/dynamo/LoadBalancerClaims.js";
import type { BatchMember, DetachDecision } from "./detachPlan.js";
import type { Fence } from "../lock/fence.js";
import type { DeployStatus, DeploySummary, InstancePatch, InstancePhase, InstanceProgress } from "./progress.js";
import type { SummaryPatch } from "./progress.js";

export const deployKey = (executionId: string) => `deploy#${executionId}`;

/** A batch's detach plan as committed together with its load balancer claims. */
export interface BatchPlan {
  readonly batch: number;
  readonly decisions: readonly DetachDecision[];
}

/**
 * Deploy progress: one summary per execution, one record per instance, one plan per batch.
 * Every write is fenced by the deploy lock's token (StaleTokenError once a later holder has
 * written), so an execution that lost its lock cannot overwrite what a later holder recorded.
 * A refused condition comes back as a value (false, "held"); only `begin` throws on one.
 */
export interface DeployJournal {
  /** Records the start of a deploy; a retried start under the same token is accepted. DeployEndedError once it has ended. */
  begin(summary: Omit<DeploySummary, "updatedAt" | "status">, fence: Fence): Promise<void>;
  summary(executionId: string): Promise<DeploySummary | undefined>;
  /** Instance records in batch order, then by hostname. */
  instances(executionId: string): Promise<InstanceProgress[]>;
  /**
   * The records of these instances only (a batch's), strongly consistent, in the order
   * asked; ids with no record are left out. What the per-batch tasks read, so a rollout's
   * reads grow with the layer, not with its square.
   */
  instancesOf(executionId: string, instanceIds: readonly string[]): Promise<InstanceProgress[]>;
  /**
   * The plan record of a batch, as a transaction item: created once, in the same
   * transaction as the batch's load balancer claims, so a plan exists exactly when its
   * claims were made, and a second delivery of the task finds it instead of planning again.
   */
  planItem(executionId: string, batch: number, decisions: readonly DetachDecision[]): TransactItem;
  plan(executionId: string, batch: number): Promise<BatchPlan | undefined>;
  /**
   * Records the intent to create the batch's deployment, once: "fresh" for the first
   * caller, "takeover" when an earlier intent is older than `staleBefore` (its caller
   * crashed, and may have created the deployment), "held" while another caller's is live.
   * The batch's plan must exist ("held" otherwise).
   */
  claimDeployIntent(executionId: string, batch: number, now: number, staleBefore: number, fence: Fence): Promise<"fresh" | "takeover" | "held">;
  /**
   * Records the rollout's batches (members in deploy order), one item per batch, so the
   * state machine carries only a cursor: each batch's task reads its own members. A retried
   * write replaces what an interrupted one left.
   */
  addBatches(executionId: string, batches: readonly (readonly BatchMember[])[], fence: Fence): Promise<void>;
  /** The members of batch `index` (0-based), strongly consistent; undefined when no such batch was recorded. */
  batch(executionId: string, index: number): Promise<BatchMember[] | undefined>;
  /** Every batch plan of an execution, in batch order. */
  plans(executionId: string): Promise<BatchPlan[]>;
  /**
   * Writes the rollout plan's instance records (Prepare): a record an earlier, interrupted try
   * left is replaced while nothing has moved it on (pending or skipped), so a retry that listed
   * the layer again leaves every record agreeing with the batches it wrote; a record some step
   * has moved on (a late duplicate of Prepare) is left as it is.
   */
  planInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void>;
  /** Adds instance records; ones already there (a retried task) are left as they are. */
  addInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void>;
  /** Applies `patch`; when `onlyFrom` is given, only if the record is in one of those phases. False when refused. */
  updateInstance(executionId: string, instanceId: string, patch: InstancePatch, fence: Fence, onlyFrom?: readonly InstancePhase[]): Promise<boolean>;
  /** Applies `patch` to the summary; when `onlyFrom` is given, only if its status is one of those. False when refused. */
  updateSummary(executionId: string, patch: SummaryPatch, fence: Fence, onlyFrom?: readonly DeployStatus[]): Promise<boolean>;
}
