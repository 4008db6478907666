import { CloudRequestError, CloudResourceNotFoundError, CloudUnavailableError, ThrottledError, type CloudError } from "../errors.js";

/** Every name AWS's SDK v3 gives a "slow down" answer, across the services Scythe calls. */
export const throttlingErrorNames: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "DependencyThrottleException",
  "DependencyThrottle",
]);

/** Names of answers that say the service itself failed, whatever HTTP status carried them. */
const unavailableErrorNames: ReadonlySet<string> = new Set(["ServiceUnavailable", "ServiceUnavailableException", "InternalFailure"]);

/** What the SDK puts on the errors it throws (a service exception or a network failure). */
interface SdkErrorShape extends Error {
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $fault?: "client" | "server";
  readonly $retryable?: { readonly throttling?: boolean };
}

/**
 * The one translation of an OpsWorks or classic ELB SDK failure into Scythe's errors.
 * `notFound`: the error names that prove absence for this call; nothing else (an access
 * denied, an answer without the thing) ever becomes CloudResourceNotFoundError.
 * `what` names the call, e.g. "DescribeInstances(layer l-1)".
 */
export function translateSdkError(what: string, error: unknown, notFound: ReadonlySet<string> = new Set()): CloudError {
  if (!(error instanceof Error)) return new CloudUnavailableError(`${what} failed: ${String(error)}`, { cause: error });
  const sdk = error as SdkErrorShape;
  if (notFound.has(sdk.name)) return new CloudResourceNotFoundError(`${what}: ${sdk.message}`, { cause: error });
  const status = sdk.$metadata?.httpStatusCode;
  const detail = `${what} failed (${sdk.name}: ${sdk.message})`;
  if (throttlingErrorNames.has(sdk.name) || status === 429 || sdk.$retryable?.throttling === true) return new ThrottledError(detail, { cause: error });
  // No HTTP status: the call never got an answer (connection refused, reset, timed out).
  if (unavailableErrorNames.has(sdk.name) || sdk.$retryable !== undefined || sdk.$fault === "server" || status === undefined || status >= 500) {
    return new CloudUnavailableError(detail, { cause: error });
  }
  return new CloudRequestError(detail, { cause: error });
}

/** Sends one SDK call and turns its failure into Scythe's errors, as translateSdkError does. */
export async function sendTranslated<T>(what: string, send: () => Promise<T>, notFound: ReadonlySet<string> = new Set()): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw translateSdkError(what, error, notFound);
  }
}
