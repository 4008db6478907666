import { CloudRequestError, CloudResourceNotFoundError, CloudUnavailableError, ThrottledError } from "./errors.js";

const throttleNames = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "DependencyThrottleException",
  "DependencyThrottle",
]);

interface SdkErrorShape {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: "client" | "server";
}

function isSdkError(error: unknown): error is SdkErrorShape & Error {
  return error instanceof Error;
}

/**
 * The one translation of an SDK failure into Scythe's errors, for adapters that have
 * already handled the service-specific exceptions they expect (e.g. not found).
 */
export function translateCloudError(what: string, error: unknown): Error {
  if (!isSdkError(error)) return new CloudUnavailableError(`${what} failed: ${String(error)}`, { cause: error });
  const status = error.$metadata?.httpStatusCode;
  const detail = `${what} failed (${error.name}: ${error.message})`;
  if (throttleNames.has(error.name) || status === 429) return new ThrottledError(detail, { cause: error });
  if (error.$fault === "server" || (status !== undefined && status >= 500) || status === undefined) {
    return new CloudUnavailableError(detail, { cause: error });
  }
  return new CloudRequestError(detail, { cause: error });
}

export function notFound(what: string, error: unknown): CloudResourceNotFoundError {
  const message = error instanceof Error ? error.message : String(error);
  return new CloudResourceNotFoundError(`${what}: ${message}`, { cause: error });
}
