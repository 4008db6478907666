import { isServerError, isThrottlingError, isTransientError } from "@smithy/service-error-classification";
import { ScytheError, StorageRequestError, StorageUnavailableError } from "../../errors.js";

interface SdkErrorShape {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
}

/** DynamoDB's own "try again" answers that the SDK's generic lists do not name. */
const dynamoRetryable = new Set(["TransactionConflictException", "ReplicatedWriteConflictException", "ResourceNotFoundException"]);
/** Reasons a transaction item was cancelled that no retry can fix. */
const permanentCancellations = new Set(["ValidationError", "ItemCollectionSizeLimitExceeded"]);

const isSdkError = (error: unknown): error is SdkErrorShape & Error => error instanceof Error;

/**
 * DynamoDB errors that say the store cannot serve now, though the request is fine: the
 * SDK's own throttling and transient classification, plus a table that is not there (yet),
 * which Scythe has always reported as storage being unavailable.
 */
function retryable(error: SdkErrorShape & Error): boolean {
  const classified = error as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(classified) || isTransientError(classified) || isServerError(classified)) return true;
  if (error.$retryable !== undefined || dynamoRetryable.has(error.name)) return true;
  // A transaction cancelled for throttling or a conflict may pass next time; one with an invalid item not.
  if (error.name === "TransactionCanceledException") return !(error.CancellationReasons ?? []).some((r) => permanentCancellations.has(r.Code ?? ""));
  // No HTTP status: the request never got an answer (connection refused, reset, timed out).
  return error.$metadata?.httpStatusCode === undefined;
}

/**
 * The one translation of a DynamoDB SDK error into Scythe's hierarchy: what may pass if
 * tried again becomes StorageUnavailableError (retried by the state machine and the
 * sweeps); a request DynamoDB refuses as such (validation, access) becomes
 * StorageRequestError, which no retry can fix. A failed condition is not an error at all:
 * the conditional-write gateway returns it as a value. `what` names the store for the message.
 */
export function translateDynamoError(error: unknown, what: string): ScytheError {
  if (error instanceof ScytheError) return error;
  if (!isSdkError(error)) return new StorageUnavailableError(`${what} unavailable (${String(error)})`, { cause: error });
  const reason = `${error.name}: ${error.message}`;
  return retryable(error)
    ? new StorageUnavailableError(`${what} unavailable (${reason})`, { cause: error })
    : new StorageRequestError(`${what} refused the request (${reason})`, { cause: error });
}

/** Runs one DynamoDB call, translating whatever it throws. */
export async function dynamoCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateDynamoError(error, what);
  }
}
