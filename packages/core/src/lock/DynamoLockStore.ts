import type { ReturnConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { GetCommand, type UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { write } from "../aws/dynamo/gateway.js";
import { StorageUnavailableError } from "../errors.js";
import type { AcquireOutcome, LockRecord, LockStore } from "./LockStore.js";

export interface DynamoLockStoreOptions {
  readonly tableName: string;
  readonly returnConsumedCapacity?: ReturnConsumedCapacity;
}

type Item = Record<string, unknown>;

/** LockStore on one DynamoDB table keyed by `pk`; every change is one conditional UpdateItem. */
export class DynamoLockStore implements LockStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoLockStoreOptions,
  ) {}

  async acquire(name: string, owner: string, expiresAt: number, expiredBefore: number): Promise<AcquireOutcome> {
    const out = await this.update(name, {
      UpdateExpression: "SET holder = :owner, expiresAt = :exp, #token = if_not_exists(#token, :zero) + :one",
      ConditionExpression: "attribute_not_exists(holder) OR expiresAt < :expiredBefore",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":owner": owner, ":exp": expiresAt, ":zero": 0, ":one": 1, ":expiredBefore": expiredBefore },
    });
    if (out.ok) return { acquired: true, lock: toRecord(out.item) };
    return { acquired: false, current: toRecord(out.item) };
  }

  async extend(name: string, owner: string, token: number, expiresAt: number): Promise<LockRecord | null> {
    const out = await this.update(name, {
      UpdateExpression: "SET expiresAt = :exp",
      ConditionExpression: "holder = :owner AND #token = :token",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":owner": owner, ":token": token, ":exp": expiresAt },
    });
    return out.ok ? toRecord(out.item) : null;
  }

  async release(name: string, owner: string, token: number): Promise<boolean> {
    const out = await this.update(name, {
      UpdateExpression: "REMOVE holder SET expiresAt = :zero",
      ConditionExpression: "holder = :owner AND #token = :token",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":owner": owner, ":token": token, ":zero": 0 },
    });
    return out.ok;
  }

  async get(name: string): Promise<LockRecord | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: { pk: name }, ConsistentRead: true }),
      );
      return out.Item ? toRecord(out.Item) : null;
    } catch (error) {
      throw unavailable(this.options.tableName, error);
    }
  }

  private async update(
    name: string,
    expr: Pick<UpdateCommand["input"], "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues">,
  ): Promise<{ ok: boolean; item: Item }> {
    const out = await write(
      this.client,
      {
        update: {
          TableName: this.options.tableName,
          Key: { pk: name },
          ...expr,
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: this.options.returnConsumedCapacity,
        },
      },
      `lock table ${this.options.tableName}`,
    );
    if (out.ok) return { ok: true, item: out.attributes ?? { pk: name } };
    return { ok: false, item: out.item ?? { pk: name } };
  }
}

function unavailable(table: string, error: unknown): StorageUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageUnavailableError(`lock table ${table} unavailable (${reason})`, { cause: error });
}

function toRecord(item: Item): LockRecord {
  return {
    name: String(item.pk),
    holder: typeof item.holder === "string" ? item.holder : undefined,
    token: typeof item.token === "number" ? item.token : 0,
    expiresAt: typeof item.expiresAt === "number" ? item.expiresAt : 0,
  };
}
