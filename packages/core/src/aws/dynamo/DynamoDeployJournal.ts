import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../../clock.js";
import type { TransactItem } from "./LoadBalancerClaims.js";
import type { BatchPlan, DeployJournal } from "../../deploy/DeployJournal.js";
import { deployKey } from "../../deploy/DeployJournal.js";
import type { BatchMember, DetachDecision } from "../../deploy/detachPlan.js";
import { DeployEndedError } from "../../deploy/errors.js";
import type { DeployStatus, DeploySummary, InstancePatch, InstancePhase, InstanceProgress, SummaryPatch } from "../../deploy/progress.js";
import type { Fence } from "../../lock/fence.js";
import { dynamoCall } from "./errors.js";
import { batchGetAll } from "./gateway.js";
import { Update, absent, attr, cond, exists, oneOf, or } from "./expression.js";
import { sendFenced, type FencedRequest } from "./fencedWrite.js";

export interface DeployJournalOptions {
  readonly tableName: string;
  readonly clock?: Clock;
  /** Records are kept this long for `scythe deploy --follow` and audits (DynamoDB TTL). */
  readonly retentionDays?: number;
}

const SUMMARY = "summary";
const instanceKey = (instanceId: string) => `instance#${instanceId}`;
const planKey = (batch: number) => `plan#${String(batch).padStart(5, "0")}`;
const batchKey = (batch: number) => `batch#${String(batch).padStart(5, "0")}`;
const what = "deploy journal";
/** The phases of a record no step has moved on from the plan yet. */
const plannedPhases: readonly InstancePhase[] = ["pending", "skipped"];

type Item = Record<string, unknown>;

/**
 * The deploy journal in the registry table (pk `deploy#<executionId>`): one summary item,
 * one item per instance and one per batch plan. Every write is fenced by the deploy lock's
 * token. The `…Request` methods build the request a write sends; tests assert them without I/O.
 */
export class DynamoDeployJournal implements DeployJournal {
  private readonly clock: Clock;
  private readonly retentionSeconds: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DeployJournalOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  beginRequest(summary: Omit<DeploySummary, "updatedAt" | "status">): FencedRequest {
    const item = { pk: deployKey(summary.executionId), sk: SUMMARY, ...summary, status: "running", updatedAt: this.iso(), ttl: this.ttl() };
    return { put: { TableName: this.options.tableName, Item: item, condition: or(absent, cond`${attr("status")} = ${"running"}`) } };
  }

  async begin(summary: Omit<DeploySummary, "updatedAt" | "status">, fence: Fence): Promise<void> {
    const out = await sendFenced(this.doc, this.beginRequest(summary), fence, what);
    if (!out.ok) throw new DeployEndedError(summary.executionId, typeof out.item?.status === "string" ? out.item.status : "ended");
  }

  async summary(executionId: string): Promise<DeploySummary | undefined> {
    const out = await dynamoCall(what, () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: SUMMARY }, ConsistentRead: true })),
    );
    return out.Item ? toSummary(out.Item) : undefined;
  }

  async instances(executionId: string): Promise<InstanceProgress[]> {
    const items = await this.query(executionId, "instance#");
    return items.map(toInstance).sort((a, b) => a.batch - b.batch || a.hostname.localeCompare(b.hostname));
  }

  async instancesOf(executionId: string, instanceIds: readonly string[]): Promise<InstanceProgress[]> {
    const keys = [...new Set(instanceIds)].map((id) => ({ pk: deployKey(executionId), sk: instanceKey(id) }));
    const records = (await batchGetAll(this.doc, this.options.tableName, keys, what)).map(toInstance);
    const found = new Map(records.map((record) => [record.instanceId, record]));
    return instanceIds.flatMap((id) => found.get(id) ?? []);
  }

  private async query(executionId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(what, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":pk": deployKey(executionId), ":prefix": prefix },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  planItem(executionId: string, batch: number, decisions: readonly DetachDecision[]): TransactItem {
    return {
      Put: {
        TableName: this.options.tableName,
        Item: { pk: deployKey(executionId), sk: planKey(batch), executionId, batch, decisions, createdAt: this.iso(), ttl: this.ttl() },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  async plan(executionId: string, batch: number): Promise<BatchPlan | undefined> {
    const out = await dynamoCall(what, () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: planKey(batch) }, ConsistentRead: true })),
    );
    return out.Item ? toPlan(out.Item) : undefined;
  }

  claimDeployIntentRequest(executionId: string, batch: number, now: number, staleBefore: number): FencedRequest {
    const intent = attr("deployIntentAt");
    return {
      update: {
        TableName: this.options.tableName,
        Key: { pk: deployKey(executionId), sk: planKey(batch) },
        update: new Update().set(intent, now).when(exists(attr("pk"))).when(or(cond`attribute_not_exists(${intent})`, cond`${intent} < ${staleBefore}`)),
        ReturnValues: "UPDATED_OLD",
      },
    };
  }

  async claimDeployIntent(executionId: string, batch: number, now: number, staleBefore: number, fence: Fence): Promise<"fresh" | "takeover" | "held"> {
    const out = await sendFenced(this.doc, this.claimDeployIntentRequest(executionId, batch, now, staleBefore), fence, what);
    if (!out.ok) return "held";
    return typeof out.attributes?.deployIntentAt === "number" ? "takeover" : "fresh";
  }

  async addBatches(executionId: string, batches: readonly (readonly BatchMember[])[], fence: Fence): Promise<void> {
    await Promise.all(
      batches.map((members, batch) => {
        const item = { pk: deployKey(executionId), sk: batchKey(batch), executionId, batch, members, createdAt: this.iso(), ttl: this.ttl() };
        return sendFenced(this.doc, { put: { TableName: this.options.tableName, Item: item } }, fence, what);
      }),
    );
  }

  async batch(executionId: string, index: number): Promise<BatchMember[] | undefined> {
    const out = await dynamoCall(what, () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: batchKey(index) }, ConsistentRead: true })),
    );
    return out.Item ? toMembers(out.Item.members) : undefined;
  }

  async plans(executionId: string): Promise<BatchPlan[]> {
    return (await this.query(executionId, "plan#")).map(toPlan);
  }

  async planInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void> {
    await Promise.all(
      records.map((record) => {
        const item = { pk: deployKey(record.executionId), sk: instanceKey(record.instanceId), ...record, times: {}, updatedAt: this.iso(), ttl: this.ttl() };
        return sendFenced(this.doc, { put: { TableName: this.options.tableName, Item: item, condition: or(absent, oneOf(attr("phase"), plannedPhases)) } }, fence, what);
      }),
    );
  }

  async addInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void> {
    await Promise.all(
      records.map((record) => {
        const item = { pk: deployKey(record.executionId), sk: instanceKey(record.instanceId), ...record, times: {}, updatedAt: this.iso(), ttl: this.ttl() };
        return sendFenced(this.doc, { put: { TableName: this.options.tableName, Item: item, condition: absent } }, fence, what);
      }),
    );
  }

  updateInstanceRequest(executionId: string, instanceId: string, patch: InstancePatch, onlyFrom?: readonly InstancePhase[]): FencedRequest {
    const { time, timeIfAbsent, ...fields } = patch;
    const update = setFields({ ...fields, updatedAt: this.iso() });
    if (time) update.set(attr("times", time), this.iso());
    if (timeIfAbsent && timeIfAbsent !== time) update.setIfAbsent(attr("times", timeIfAbsent), this.iso());
    update.when(onlyFrom ? oneOf(attr("phase"), onlyFrom) : exists(attr("pk")));
    return { update: { TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: instanceKey(instanceId) }, update } };
  }

  async updateInstance(executionId: string, instanceId: string, patch: InstancePatch, fence: Fence, onlyFrom?: readonly InstancePhase[]): Promise<boolean> {
    return (await sendFenced(this.doc, this.updateInstanceRequest(executionId, instanceId, patch, onlyFrom), fence, what)).ok;
  }

  updateSummaryRequest(executionId: string, patch: SummaryPatch, onlyFrom?: readonly DeployStatus[]): FencedRequest {
    const update = setFields({ ...patch, updatedAt: this.iso() }).when(onlyFrom ? oneOf(attr("status"), onlyFrom) : exists(attr("pk")));
    return { update: { TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: SUMMARY }, update } };
  }

  async updateSummary(executionId: string, patch: SummaryPatch, fence: Fence, onlyFrom?: readonly DeployStatus[]): Promise<boolean> {
    return (await sendFenced(this.doc, this.updateSummaryRequest(executionId, patch, onlyFrom), fence, what)).ok;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private ttl(): number {
    return Math.floor(this.clock.now() / 1000) + this.retentionSeconds;
  }
}

function setFields(fields: Record<string, unknown>): Update {
  const update = new Update();
  for (const [field, value] of Object.entries(fields)) if (value !== undefined) update.set(field, value);
  return update;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function toSummary(item: Item): DeploySummary {
  const error = item.error as { name?: unknown; message?: unknown } | undefined;
  return {
    executionId: str(item.executionId) ?? "",
    status: (str(item.status) ?? "running") as DeployStatus,
    stackId: str(item.stackId) ?? "",
    layerId: str(item.layerId) ?? "",
    appId: str(item.appId) ?? "",
    batchSize: num(item.batchSize) ?? 1,
    lockName: str(item.lockName) ?? "",
    owner: str(item.owner) ?? "",
    token: num(item.token) ?? 0,
    startedAt: str(item.startedAt) ?? "",
    updatedAt: str(item.updatedAt) ?? "",
    ...(num(item.total) !== undefined && { total: num(item.total) }),
    ...(num(item.batches) !== undefined && { batches: num(item.batches) }),
    ...(num(item.skipped) !== undefined && { skipped: num(item.skipped) }),
    ...(num(item.completedBatches) !== undefined && { completedBatches: num(item.completedBatches) }),
    ...(error && { error: { name: str(error.name) ?? "Error", message: str(error.message) ?? "" } }),
  };
}

function toPlan(item: Item): BatchPlan {
  const decisions = Array.isArray(item.decisions) ? (item.decisions as DetachDecision[]) : [];
  return { batch: num(item.batch) ?? -1, decisions };
}

function toMembers(value: unknown): BatchMember[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((m: Record<string, unknown>) => {
    const instanceId = str(m.instanceId);
    if (instanceId === undefined) return [];
    const endpointId = str(m.endpointId);
    return [{ instanceId, hostname: str(m.hostname) ?? "", ...(endpointId !== undefined && { endpointId }) }];
  });
}

function toInstance(item: Item): InstanceProgress {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);
  return {
    executionId: str(item.executionId) ?? "",
    instanceId: str(item.instanceId) ?? "",
    hostname: str(item.hostname) ?? "",
    ...(str(item.endpointId) !== undefined && { endpointId: str(item.endpointId) }),
    batch: num(item.batch) ?? -1,
    phase: (str(item.phase) ?? "pending") as InstancePhase,
    ...(strings(item.detachFrom) !== undefined && { detachFrom: strings(item.detachFrom) }),
    ...(Array.isArray(item.keptIn) && { keptIn: item.keptIn as InstanceProgress["keptIn"] }),
    ...(str(item.deploymentId) !== undefined && { deploymentId: str(item.deploymentId) }),
    ...(str(item.deploymentStatus) !== undefined && { deploymentStatus: str(item.deploymentStatus) }),
    ...(str(item.skippedReason) !== undefined && { skippedReason: str(item.skippedReason) }),
    ...(str(item.targetStatus) !== undefined && { targetStatus: str(item.targetStatus) }),
    times: (item.times ?? {}) as Record<string, string>,
    updatedAt: str(item.updatedAt) ?? "",
  };
}
