import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { dynamoCall, translateDynamoError } from "./errors.js";

export type Item = Record<string, unknown>;

/** One conditional write, as data. */
export type WriteRequest = { readonly put: PutCommandInput } | { readonly update: UpdateCommandInput } | { readonly delete: DeleteCommandInput };

/** A conditional write's outcome: done (with what the update returned), or refused by its condition (with the item as it is). */
export type WriteOutcome =
  | { readonly ok: true; readonly attributes?: Item }
  | { readonly ok: false; readonly reason: "condition"; readonly item?: Item };

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Why one item of a cancelled transaction did not go through (`None`: it was fine, another one failed). */
export interface CancellationReason {
  readonly code: "None" | "ConditionalCheckFailed" | "TransactionConflict";
  readonly item?: Item;
}

export type TransactOutcome = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly CancellationReason[] };

const refusals = new Set(["None", "ConditionalCheckFailed", "TransactionConflict"]);

// The document client leaves the item carried by a failed condition marshalled.
const itemOf = (raw: Record<string, AttributeValue> | undefined): Item | undefined => (raw ? unmarshall(raw) : undefined);

/** The request that `write` sends: the item as it is comes back on a refusal, unless the caller chose otherwise. */
export function writeCommand(request: WriteRequest): PutCommand | UpdateCommand | DeleteCommand {
  const withOld = <T extends { ReturnValuesOnConditionCheckFailure?: string }>(input: T): T => ({ ReturnValuesOnConditionCheckFailure: "ALL_OLD", ...input });
  if ("put" in request) return new PutCommand(withOld(request.put));
  if ("update" in request) return new UpdateCommand(withOld(request.update));
  return new DeleteCommand(withOld(request.delete));
}

/**
 * The one place a failed DynamoDB condition becomes a value. Sends a put, update or delete;
 * a refused condition returns `{ ok: false, reason: "condition", item }`, and anything else
 * that goes wrong is translated into Scythe's errors (`what` names the store).
 */
export async function write(client: DynamoDBDocumentClient, request: WriteRequest, what: string): Promise<WriteOutcome> {
  try {
    const out = await client.send(writeCommand(request) as UpdateCommand);
    return { ok: true, ...(out.Attributes && { attributes: out.Attributes }) };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      const item = itemOf(error.Item);
      return { ok: false, reason: "condition", ...(item && { item }) };
    }
    throw translateDynamoError(error, what);
  }
}

/**
 * Sends a TransactWriteItems. A transaction cancelled by conditions or by a conflicting
 * transaction comes back as `{ ok: false, reasons }`, one reason per item in order (the item
 * as it is where the item asked for it); any other cancellation (throttling, validation) is
 * translated like any other error.
 */
export async function transact(client: DynamoDBDocumentClient, items: readonly TransactItem[], what: string): Promise<TransactOutcome> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [...items] }));
    return { ok: true };
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const raw = error.CancellationReasons ?? [];
      if (raw.length > 0 && raw.every((r) => refusals.has(r.Code ?? "None"))) {
        return {
          ok: false,
          reasons: raw.map((r) => {
            const item = itemOf(r.Item);
            return { code: (r.Code ?? "None") as CancellationReason["code"], ...(item && { item }) };
          }),
        };
      }
    }
    throw translateDynamoError(error, what);
  }
}

/**
 * Every item of `keys` that exists, read strongly consistently with BatchGetItem: 100 keys a
 * request, and what DynamoDB leaves unprocessed asked for again. `projection` limits the
 * attributes returned (e.g. "pk" to learn only which exist).
 */
export async function batchGetAll(client: DynamoDBDocumentClient, tableName: string, keys: readonly Item[], what: string, projection?: string): Promise<Item[]> {
  const found: Item[] = [];
  let pending = [...keys];
  while (pending.length > 0) {
    const chunk = pending.slice(0, 100);
    pending = pending.slice(100);
    const request = { Keys: chunk, ConsistentRead: true, ...(projection !== undefined && { ProjectionExpression: projection }) };
    const out = await dynamoCall(what, () => client.send(new BatchGetCommand({ RequestItems: { [tableName]: request } })));
    found.push(...(out.Responses?.[tableName] ?? []));
    pending.push(...((out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[]));
  }
  return found;
}
