import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { StorageUnavailableError } from "../errors.js";
import { StaleTokenError } from "./errors.js";
import type { Lease } from "./LockService.js";

/** The lock and token a write is made under. */
export interface Fence {
  readonly lock: string;
  readonly token: number;
}

export const fenceOf = (lease: Lease): Fence => ({ lock: lease.name, token: lease.token });

const names = { "#fenceLock": "fenceLock", "#fenceToken": "fenceToken" };
// An item accepts a write only from the lock that fences it, at a token no older than
// the newest it has seen (Kleppmann's storage-side check).
const fenceCondition = "(attribute_not_exists(#fenceToken) OR (#fenceLock = :fenceLock AND #fenceToken <= :fenceToken))";

const and = (condition: string | undefined): string =>
  condition ? `(${condition}) AND ${fenceCondition}` : fenceCondition;

/** Adds the fence to an update: the condition, and recording the token on the item. */
export function fencedUpdate(input: UpdateCommandInput, fence: Fence): UpdateCommandInput {
  const expression = input.UpdateExpression ?? "";
  const assign = "#fenceLock = :fenceLock, #fenceToken = :fenceToken";
  // SET is a reserved word, so a bare SET can only be the clause keyword.
  const updateExpression = /\bSET\b/i.test(expression)
    ? expression.replace(/\bSET\b/i, `SET ${assign},`)
    : `SET ${assign} ${expression}`.trim();
  return {
    ...input,
    UpdateExpression: updateExpression,
    ConditionExpression: and(input.ConditionExpression),
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...names },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":fenceLock": fence.lock, ":fenceToken": fence.token },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/** Adds the fence to a put: the condition, and the token stored in the new item. */
export function fencedPut(input: PutCommandInput, fence: Fence): PutCommandInput {
  return {
    ...input,
    Item: { ...input.Item, fenceLock: fence.lock, fenceToken: fence.token },
    ConditionExpression: and(input.ConditionExpression),
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...names },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":fenceLock": fence.lock, ":fenceToken": fence.token },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

export type FencedOutcome =
  | { readonly ok: true; readonly attributes?: Record<string, unknown> }
  | { readonly ok: false; readonly item?: Record<string, unknown> };

/**
 * Sends a fenced put or update. A newer token on the item raises StaleTokenError; a
 * failure of the caller's own condition comes back as `{ ok: false }` with the item.
 */
export async function sendFenced(
  client: DynamoDBDocumentClient,
  request: { put: PutCommandInput } | { update: UpdateCommandInput },
  fence: Fence,
): Promise<FencedOutcome> {
  try {
    if ("put" in request) {
      await client.send(new PutCommand(fencedPut(request.put, fence)));
      return { ok: true };
    }
    const out = await client.send(new UpdateCommand(fencedUpdate(request.update, fence)));
    return { ok: true, attributes: out.Attributes };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      const item = error.Item ? unmarshall(error.Item) : undefined;
      const seen = item?.fenceToken;
      if (typeof seen === "number" && (seen > fence.token || item?.fenceLock !== fence.lock)) {
        throw new StaleTokenError(fence.lock, fence.token, seen);
      }
      return { ok: false, item };
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StorageUnavailableError(`fenced write failed (${reason})`, { cause: error });
  }
}
