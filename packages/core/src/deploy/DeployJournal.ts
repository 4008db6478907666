import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../clock.js";
import { StorageUnavailableError } from "../errors.js";
import { sendFenced, type Fence } from "../lock/fence.js";
import type { TransactItem } from "./claims/LoadBalancerClaims.js";
import type { DetachDecision } from "./detachPlan.js";
import type { DeployStatus, DeploySummary, InstancePatch, InstancePhase, InstanceProgress, SummaryPatch } from "./progress.js";

export interface DeployJournalOptions {
  readonly tableName: string;
  readonly clock?: Clock;
  /** Records are kept this long for `scythe deploy --follow` and audits (DynamoDB TTL). */
  readonly retentionDays?: number;
}

export const deployKey = (executionId: string) => `deploy#${executionId}`;
const SUMMARY = "summary";
const instanceKey = (instanceId: string) => `instance#${instanceId}`;
const planKey = (batch: number) => `plan#${String(batch).padStart(5, "0")}`;

/** A batch's detach plan as committed together with its load balancer claims. */
export interface BatchPlan {
  readonly batch: number;
  readonly decisions: readonly DetachDecision[];
}

type Item = Record<string, unknown>;

/**
 * Deploy progress in the registry (pk `deploy#<executionId>`): one summary record and
 * one record per instance. Every write is fenced by the deploy lock's token, so an
 * execution that lost its lock cannot overwrite what a later holder recorded.
 */
export class DeployJournal {
  private readonly clock: Clock;
  private readonly retentionSeconds: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DeployJournalOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  /** Records the start of a deploy; a retried start under the same token is accepted. */
  async begin(summary: Omit<DeploySummary, "updatedAt" | "status">, fence: Fence): Promise<void> {
    const item = { pk: deployKey(summary.executionId), sk: SUMMARY, ...summary, status: "running", updatedAt: this.iso(), ttl: this.ttl() };
    const out = await sendFenced(
      this.doc,
      { put: { TableName: this.options.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk) OR #status = :running", ExpressionAttributeNames: { "#status": "status" }, ExpressionAttributeValues: { ":running": "running" } } },
      fence,
    );
    if (!out.ok) throw new StorageUnavailableError(`deploy ${summary.executionId} already ended; it cannot begin again`);
  }

  async summary(executionId: string): Promise<DeploySummary | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: SUMMARY }, ConsistentRead: true }),
      );
      return out.Item ? toSummary(out.Item) : undefined;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async instances(executionId: string): Promise<InstanceProgress[]> {
    const items = await this.query(executionId, "instance#");
    return items.map(toInstance).sort((a, b) => a.batch - b.batch || a.hostname.localeCompare(b.hostname));
  }

  private async query(executionId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      let out: QueryCommandOutput;
      try {
        out = await this.doc.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":pk": deployKey(executionId), ":prefix": prefix },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
      } catch (error) {
        throw unavailable(error);
      }
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * The plan record of a batch, as a transaction item: created once, in the same
   * transaction as the batch's load balancer claims, so a plan exists exactly when its
   * claims were made, and a second delivery of the task finds it instead of planning again.
   */
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
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: deployKey(executionId), sk: planKey(batch) }, ConsistentRead: true }));
      return out.Item ? toPlan(out.Item) : undefined;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * Records the intent to create the batch's deployment, once: "fresh" for the first
   * caller, "takeover" when an earlier intent is older than `staleBefore` (its caller
   * crashed, and may have created the deployment), "held" while another caller's is live.
   */
  async claimDeployIntent(executionId: string, batch: number, now: number, staleBefore: number, fence: Fence): Promise<"fresh" | "takeover" | "held"> {
    const out = await sendFenced(
      this.doc,
      {
        update: {
          TableName: this.options.tableName,
          Key: { pk: deployKey(executionId), sk: planKey(batch) },
          UpdateExpression: "SET #intent = :now",
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(#intent) OR #intent < :stale)",
          ExpressionAttributeNames: { "#intent": "deployIntentAt" },
          ExpressionAttributeValues: { ":now": now, ":stale": staleBefore },
          ReturnValues: "UPDATED_OLD",
        },
      },
      fence,
    );
    if (!out.ok) return "held";
    return typeof out.attributes?.deployIntentAt === "number" ? "takeover" : "fresh";
  }

  /** Every batch plan of an execution, in batch order. */
  async plans(executionId: string): Promise<BatchPlan[]> {
    return (await this.query(executionId, "plan#")).map(toPlan);
  }

  /** Adds instance records; ones already there (a retried task) are left as they are. */
  async addInstances(records: readonly Omit<InstanceProgress, "updatedAt" | "times">[], fence: Fence): Promise<void> {
    await Promise.all(
      records.map((record) => {
        const item = { pk: deployKey(record.executionId), sk: instanceKey(record.instanceId), ...record, times: {}, updatedAt: this.iso(), ttl: this.ttl() };
        return sendFenced(this.doc, { put: { TableName: this.options.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" } }, fence);
      }),
    );
  }

  /** Applies `patch`; when `onlyFrom` is given, only if the record is in one of those phases. */
  async updateInstance(
    executionId: string,
    instanceId: string,
    patch: InstancePatch,
    fence: Fence,
    onlyFrom?: readonly InstancePhase[],
  ): Promise<boolean> {
    const { time, ...fields } = patch;
    const update = setExpression({ ...fields, updatedAt: this.iso() });
    if (time) {
      update.expression += ", #times.#time = :time";
      update.names["#times"] = "times";
      update.names["#time"] = time;
      update.values[":time"] = this.iso();
    }
    const condition = onlyFrom ? inList("phase", onlyFrom, update) : "attribute_exists(pk)";
    return this.fencedUpdate({ pk: deployKey(executionId), sk: instanceKey(instanceId) }, update, condition, fence);
  }

  /** Applies `patch` to the summary; when `onlyFrom` is given, only if its status is one of those. */
  async updateSummary(executionId: string, patch: SummaryPatch, fence: Fence, onlyFrom?: readonly DeployStatus[]): Promise<boolean> {
    const update = setExpression({ ...patch, updatedAt: this.iso() });
    const condition = onlyFrom ? inList("status", onlyFrom, update) : "attribute_exists(pk)";
    return this.fencedUpdate({ pk: deployKey(executionId), sk: SUMMARY }, update, condition, fence);
  }

  /** One fenced conditional update of a journal item; false when the condition (not the fence) refused it. */
  private async fencedUpdate(key: { pk: string; sk: string }, update: ReturnType<typeof setExpression>, condition: string, fence: Fence): Promise<boolean> {
    const out = await sendFenced(
      this.doc,
      {
        update: {
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: update.expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
        },
      },
      fence,
    );
    return out.ok;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private ttl(): number {
    return Math.floor(this.clock.now() / 1000) + this.retentionSeconds;
  }
}

interface Expression {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

function setExpression(fields: Record<string, unknown>): Expression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      parts.push(`#f${i} = :v${i}`);
    });
  return { expression: `SET ${parts.join(", ")}`, names, values };
}

function inList(field: string, allowed: readonly string[], into: Expression): string {
  into.names["#cond"] = field;
  const keys = allowed.map((value, i) => {
    into.values[`:c${i}`] = value;
    return `:c${i}`;
  });
  return `#cond IN (${keys.join(", ")})`;
}

function unavailable(error: unknown): StorageUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageUnavailableError(`deploy journal unavailable (${reason})`, { cause: error });
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
    ...(num(item.completedBatches) !== undefined && { completedBatches: num(item.completedBatches) }),
    ...(error && { error: { name: str(error.name) ?? "Error", message: str(error.message) ?? "" } }),
  };
}

function toPlan(item: Item): BatchPlan {
  const decisions = Array.isArray(item.decisions) ? (item.decisions as DetachDecision[]) : [];
  return { batch: num(item.batch) ?? -1, decisions };
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
    times: (item.times ?? {}) as Record<string, string>,
    updatedAt: str(item.updatedAt) ?? "",
  };
}
