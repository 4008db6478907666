import type { TransactItem } from "../../src/aws/dynamo/LoadBalancerClaims.js";
import type { BatchPlan, DeployJournal } from "../../src/deploy/DeployJournal.js";
import type { BatchMember, DetachDecision } from "../../src/deploy/detachPlan.js";
import { DeployEndedError } from "../../src/deploy/errors.js";
import type { DeployStatus, DeploySummary, InstancePatch, InstancePhase, InstanceProgress, SummaryPatch } from "../../src/deploy/progress.js";
import { StaleTokenError } from "../../src/lock/errors.js";
import type { Fence } from "../../src/lock/fence.js";

type Fenced<T> = { value: T; fenceLock: string; fenceToken: number };

/**
 * DeployJournal fake with the DynamoDB adapter's semantics: every write fenced (a newer
 * token or another lock on the record is StaleTokenError, checked only when the write's
 * own condition fails, as DynamoDB reports one failed condition for both), conditions
 * refused as values, an ended deploy refusing to begin. The contract suite runs it and
 * the adapter through the same tests.
 */
export class MemoryDeployJournal implements DeployJournal {
  readonly summaries = new Map<string, Fenced<DeploySummary>>();
  readonly instanceRecords = new Map<string, Fenced<InstanceProgress>>();
  readonly planRecords = new Map<string, BatchPlan & { deployIntentAt?: number; fence?: Fence }>();
  readonly batchRecords = new Map<string, Fenced<BatchMember[]>>();
  writes = 0;
  /** Instance records handed out by reads (what a rollout's reads cost grows with). */
  recordsRead = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async begin(summary: Omit<DeploySummary, "updatedAt" | "status">, fence: Fence): Promise<void> {
    const current = this.summaries.get(summary.executionId);
    const ok = this.fenced(current, fence, !current || current.value.status === "running");
    if (!ok) throw new DeployEndedError(summary.executionId, current?.value.status ?? "ended");
    this.summaries.set(summary.executionId, { value: { ...summary, status: "running", updatedAt: this.iso() }, fenceLock: fence.lock, fenceToken: fence.token });
  }

  async summary(executionId: string): Promise<DeploySummary | undefined> {
    return clone(this.summaries.get(executionId)?.value);
  }

  async instances(executionId: string): Promise<InstanceProgress[]> {
    const found = [...this.instanceRecords.values()]
      .map((r) => clone(r.value))
      .filter((r) => r.executionId === executionId)
      .sort((a, b) => a.batch - b.batch || a.hostname.localeCompare(b.hostname));
    this.recordsRead += found.length;
    return found;
  }

  async instancesOf(executionId: string, instanceIds: readonly string[]): Promise<InstanceProgress[]> {
    const found = [...new Set(instanceIds)].flatMap((id) => {
      const record = this.instanceRecords.get(`${executionId}|${id}`);
      return record ? [clone(record.value)] : [];
    });
    this.recordsRead += found.length;
    return found;
  }

  /** Stands for the plan's put in the claims transaction; `commitPlan` applies it (the fake claims' commit). */
  planItem(executionId: string, batch: number, decisions: readonly DetachDecision[]): TransactItem {
    return { Put: { TableName: "memory", Item: { executionId, batch, decisions: clone(decisions) }, ConditionExpression: "attribute_not_exists(pk)" } };
  }

  /** Applies a plan item as the claims transaction would; false if the plan already exists. */
  commitPlan(item: TransactItem): boolean {
    const put = item.Put?.Item as { executionId: string; batch: number; decisions: DetachDecision[] } | undefined;
    if (!put) throw new TypeError("not a plan item");
    const key = `${put.executionId}|${put.batch}`;
    if (this.planRecords.has(key)) return false;
    this.planRecords.set(key, { batch: put.batch, decisions: put.decisions });
    return true;
  }

  async plan(executionId: string, batch: number): Promise<BatchPlan | undefined> {
    const found = this.planRecords.get(`${executionId}|${batch}`);
    return found && { batch: found.batch, decisions: clone(found.decisions) };
  }

  async claimDeployIntent(executionId: string, batch: number, now: number, staleBefore: number, fence: Fence): Promise<"fresh" | "takeover" | "held"> {
    const plan = this.planRecords.get(`${executionId}|${batch}`);
    const holder = plan?.fence ? { value: plan, fenceLock: plan.fence.lock, fenceToken: plan.fence.token } : plan && { value: plan };
    const claimable = plan !== undefined && (plan.deployIntentAt === undefined || plan.deployIntentAt < staleBefore);
    if (!this.fenced(holder, fence, claimable) || !plan) return "held";
    const previous = plan.deployIntentAt;
    plan.deployIntentAt = now;
    plan.fence = fence;
    return previous === undefined ? "fresh" : "takeover";
  }

  async addBatches(executionId: string, batches: readonly (readonly BatchMember[])[], fence: Fence): Promise<void> {
    batches.forEach((members, batch) => {
      const key = `${executionId}|${batch}`;
      if (this.fenced(this.batchRecords.get(key), fence, true)) this.batchRecords.set(key, { value: clone([...members]), fenceLock: fence.lock, fenceToken: fence.token });
    });
  }

  async batch(executionId: string, index: number): Promise<BatchMember[] | undefined> {
    return clone(this.batchRecords.get(`${executionId}|${index}`)?.value);
  }

  async plans(executionId: string): Promise<BatchPlan[]> {
    return [...this.planRecords.entries()]
      .filter(([key]) => key.startsWith(`${executionId}|`))
      .map(([, p]) => ({ batch: p.batch, decisions: clone(p.decisions) }))
      .sort((a, b) => a.batch - b.batch);
  }

  async planInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void> {
    for (const record of records) {
      const key = `${record.executionId}|${record.instanceId}`;
      const current = this.instanceRecords.get(key);
      if (this.fenced(current, fence, !current || current.value.phase === "pending" || current.value.phase === "skipped")) {
        this.instanceRecords.set(key, { value: { ...clone(record), times: {}, updatedAt: this.iso() }, fenceLock: fence.lock, fenceToken: fence.token });
      }
    }
  }

  async addInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void> {
    for (const record of records) {
      const key = `${record.executionId}|${record.instanceId}`;
      const current = this.instanceRecords.get(key);
      if (this.fenced(current, fence, !current)) {
        this.instanceRecords.set(key, { value: { ...clone(record), times: {}, updatedAt: this.iso() }, fenceLock: fence.lock, fenceToken: fence.token });
      }
    }
  }

  async updateInstance(executionId: string, instanceId: string, patch: InstancePatch, fence: Fence, onlyFrom?: readonly InstancePhase[]): Promise<boolean> {
    const key = `${executionId}|${instanceId}`;
    const current = this.instanceRecords.get(key);
    const allowed = current !== undefined && (!onlyFrom || onlyFrom.includes(current.value.phase));
    if (!this.fenced(current, fence, allowed) || !current) return false;
    const { time, timeIfAbsent, ...fields } = patch;
    let times = time ? { ...current.value.times, [time]: this.iso() } : current.value.times;
    if (timeIfAbsent && times[timeIfAbsent] === undefined) times = { ...times, [timeIfAbsent]: this.iso() };
    this.instanceRecords.set(key, { value: { ...current.value, ...defined(fields), times, updatedAt: this.iso() }, fenceLock: fence.lock, fenceToken: fence.token });
    return true;
  }

  async updateSummary(executionId: string, patch: SummaryPatch, fence: Fence, onlyFrom?: readonly DeployStatus[]): Promise<boolean> {
    const current = this.summaries.get(executionId);
    const allowed = current !== undefined && (!onlyFrom || onlyFrom.includes(current.value.status));
    if (!this.fenced(current, fence, allowed) || !current) return false;
    this.summaries.set(executionId, { value: { ...current.value, ...defined(patch), updatedAt: this.iso() }, fenceLock: fence.lock, fenceToken: fence.token });
    return true;
  }

  /** The write's own condition AND the fence; when both together fail, a newer token or another lock is StaleTokenError. */
  private fenced(current: { fenceLock?: string; fenceToken?: number } | undefined, fence: Fence, condition: boolean): boolean {
    this.writes++;
    const seen = current?.fenceToken;
    const fenceOk = seen === undefined || (current?.fenceLock === fence.lock && seen <= fence.token);
    if (condition && fenceOk) return true;
    if (seen !== undefined && (seen > fence.token || current?.fenceLock !== fence.lock)) throw new StaleTokenError(fence.lock, fence.token, seen);
    return false;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
const defined = <T extends object>(fields: T): Partial<T> => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
