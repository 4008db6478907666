import type { DynamoDBDocumentClient, PutCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { StaleTokenError } from "../../lock/errors.js";
import type { Fence } from "../../lock/fence.js";
import { and, attr, conditionOnly, cond, type Condition, type Update } from "./expression.js";
import { write, type Item, type WriteRequest } from "./gateway.js";

/** A put or update that a fence is merged into: its own condition (optional) and changes, as parts. */
export type FencedRequest =
  | { readonly put: { readonly TableName: string; readonly Item: Item; readonly condition?: Condition; readonly ConditionExpression?: never } }
  | {
      readonly update: Omit<UpdateCommandInput, "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> & {
        readonly update: Update;
      };
    };

/**
 * An item accepts a write only from the lock that fences it, at a token no older than the
 * newest it has seen (Kleppmann's storage-side check); an item never fenced accepts any.
 */
export const fenceCondition = (fence: Fence): Condition =>
  cond`attribute_not_exists(${attr("fenceToken")}) OR (${attr("fenceLock")} = ${fence.lock} AND ${attr("fenceToken")} <= ${fence.token})`;

/** The request a fenced write sends: the caller's condition AND the fence, with the token recorded on the item. */
export function fencedRequest(request: FencedRequest, fence: Fence): WriteRequest {
  if ("put" in request) {
    const { condition, TableName, Item } = request.put;
    const input: PutCommandInput = {
      TableName,
      Item: { ...Item, fenceLock: fence.lock, fenceToken: fence.token },
      ...conditionOnly(condition ? and(condition, fenceCondition(fence)) : fenceCondition(fence)),
    };
    return { put: input };
  }
  const { update, ...rest } = request.update;
  const fenced = update.copy().set("fenceLock", fence.lock).set("fenceToken", fence.token).when(fenceCondition(fence));
  return { update: { ...rest, ...fenced.build() } };
}

export type FencedOutcome =
  | { readonly ok: true; readonly attributes?: Item }
  | { readonly ok: false; readonly reason: "condition"; readonly item?: Item };

/**
 * Sends a fenced put or update. A newer token (or another lock) on the item raises
 * StaleTokenError; a failure of the caller's own condition comes back as `{ ok: false }`
 * with the item as it is.
 */
export async function sendFenced(client: DynamoDBDocumentClient, request: FencedRequest, fence: Fence, what = "fenced write"): Promise<FencedOutcome> {
  const out = await write(client, fencedRequest(request, fence), what);
  if (out.ok) return out;
  const seen = out.item?.fenceToken;
  if (typeof seen === "number" && (seen > fence.token || out.item?.fenceLock !== fence.lock)) {
    throw new StaleTokenError(fence.lock, fence.token, seen);
  }
  return out;
}
