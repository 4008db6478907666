import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../../clock.js";
import type { PartsRecord, TaskWaits, WaitOutcome, WaitRecord } from "../../deploy/taskWaits.js";
import { Update, attr, cond, notExists, or } from "./expression.js";
import { write, type Item } from "./gateway.js";

export interface DynamoTaskWaitsOptions {
  /** The registry table: one item per awaited id (pk `wait#<key>`, sk `wait`). */
  readonly tableName: string;
  readonly clock?: Clock;
  /** How long an item outlives its last write (DynamoDB TTL); default one day. */
  readonly retentionSeconds?: number;
}

const what = "task wait store";
export const waitKey = (key: string) => ({ pk: `wait#${key}`, sk: "wait" });

/**
 * Task tokens and event outcomes side by side in one registry item per awaited id. Each
 * side writes its half with one UpdateItem that returns the whole item, so the second
 * writer always sees the first one's half. The `…Request` methods build the requests as data.
 */
export class DynamoTaskWaits implements TaskWaits {
  private readonly clock: Clock;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoTaskWaitsOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private ttl(): number {
    return Math.floor(this.clock.now() / 1000) + (this.options.retentionSeconds ?? 86_400);
  }

  awaitRequest(key: string, token: string, owner: string) {
    const update = new Update()
      .set("token", token)
      .set("owner", owner)
      .set("ttl", this.ttl())
      .when(or(notExists(attr("owner")), cond`${attr("owner")} = ${owner}`))
      .build();
    return { TableName: this.options.tableName, Key: waitKey(key), ...update, ReturnValues: "ALL_NEW" as const };
  }

  async await(key: string, token: string, owner: string): Promise<WaitRecord | undefined> {
    const out = await write(this.doc, { update: this.awaitRequest(key, token, owner) }, what);
    return out.ok ? toRecord(key, out.attributes) : undefined;
  }

  settleRequest(outcome: WaitOutcome) {
    const update = new Update()
      .set("outcome", { status: outcome.status, detail: outcome.detail })
      .set("ttl", this.ttl())
      .when(notExists(attr("outcome")))
      .build();
    return { TableName: this.options.tableName, Key: waitKey(outcome.key), ...update, ReturnValues: "ALL_NEW" as const };
  }

  async settle(outcome: WaitOutcome): Promise<WaitRecord & { readonly fresh: boolean }> {
    const out = await write(this.doc, { update: this.settleRequest(outcome) }, what);
    return out.ok ? { ...toRecord(outcome.key, out.attributes), fresh: true } : { ...toRecord(outcome.key, out.item), fresh: false };
  }

  awaitPartsRequest(key: string, token: string, owner: string, parts: readonly string[]) {
    const update = new Update()
      .set("token", token)
      .set("owner", owner)
      .set("parts", [...parts])
      .set("ttl", this.ttl())
      .when(or(notExists(attr("owner")), cond`${attr("owner")} = ${owner}`))
      .build();
    return { TableName: this.options.tableName, Key: waitKey(key), ...update, ReturnValues: "ALL_NEW" as const };
  }

  async awaitParts(key: string, token: string, owner: string, parts: readonly string[]): Promise<PartsRecord | undefined> {
    const out = await write(this.doc, { update: this.awaitPartsRequest(key, token, owner, parts) }, what);
    return out.ok ? toPartsRecord(key, out.attributes) : undefined;
  }

  /** One attribute per part (`part#<id>`), written only where absent: its first final status stays. */
  settlePartRequest(key: string, part: string, status: string) {
    const update = new Update()
      .set(partAttribute(part), status)
      .set("ttl", this.ttl())
      .when(notExists(attr(partAttribute(part))))
      .build();
    return { TableName: this.options.tableName, Key: waitKey(key), ...update, ReturnValues: "ALL_NEW" as const };
  }

  async settlePart(key: string, part: string, status: string): Promise<PartsRecord & { readonly fresh: boolean }> {
    const out = await write(this.doc, { update: this.settlePartRequest(key, part, status) }, what);
    return out.ok ? { ...toPartsRecord(key, out.attributes), fresh: true } : { ...toPartsRecord(key, out.item), fresh: false };
  }

  markDeliveredRequest(key: string, token: string) {
    const update = new Update()
      .set("deliveredToken", token)
      .when(cond`${attr("token")} = ${token}`)
      .when(or(notExists(attr("deliveredToken")), cond`${attr("deliveredToken")} <> ${token}`))
      .build();
    return { TableName: this.options.tableName, Key: waitKey(key), ...update };
  }

  async markDelivered(key: string, token: string): Promise<boolean> {
    return (await write(this.doc, { update: this.markDeliveredRequest(key, token) }, what)).ok;
  }
}

function toRecord(key: string, item: Item | undefined): WaitRecord {
  if (!item) return { key };
  const token = typeof item.token === "string" ? item.token : undefined;
  const raw = item.outcome as { status?: unknown; detail?: unknown } | undefined;
  const outcome: WaitOutcome | undefined =
    raw && (raw.status === "succeeded" || raw.status === "failed")
      ? { key, status: raw.status, detail: (raw.detail ?? {}) as WaitOutcome["detail"] }
      : undefined;
  return {
    key,
    ...(token !== undefined && { token }),
    ...(typeof item.owner === "string" && { owner: item.owner }),
    ...(outcome && { outcome }),
    delivered: token !== undefined && item.deliveredToken === token,
  };
}

const partPrefix = "part#";
const partAttribute = (part: string) => `${partPrefix}${part}`;

function toPartsRecord(key: string, item: Item | undefined): PartsRecord {
  const ended: Record<string, string> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith(partPrefix) && typeof value === "string") ended[name.slice(partPrefix.length)] = value;
  }
  const parts = item?.parts;
  return {
    ...toRecord(key, item),
    ...(Array.isArray(parts) && { parts: parts.filter((p): p is string => typeof p === "string") }),
    ended,
  };
}
