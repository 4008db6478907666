/** An error answered to a client in its service's wire format. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimError";
  }
}

/** An AWS error: `code` is the wire error code (`__type` / `<Code>`). */
export class AwsError extends SimError {
  constructor(code: string, message: string, status = 400) {
    super(status, code, message);
    this.name = "AwsError";
  }
}

/** A Heroku Platform API error: `code` is the body's `id`. */
export class HerokuError extends SimError {
  constructor(status: number, id: string, message: string) {
    super(status, id, message);
    this.name = "HerokuError";
  }
}

/** The AWS "missing required member" message, e.g. for `StackId` → `stackId`. */
export function missingMember(member: string): AwsError {
  const field = member.charAt(0).toLowerCase() + member.slice(1);
  return new AwsError(
    "ValidationException",
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
}

const HEROKU_IDS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  422: "invalid_params",
  429: "rate_limit",
  500: "internal_server_error",
  503: "service_unavailable",
};

export function herokuIdForStatus(status: number): string {
  return HEROKU_IDS[status] ?? (status >= 500 ? "internal_server_error" : "bad_request");
}

export function herokuStatusForId(id: string): number {
  for (const [status, known] of Object.entries(HEROKU_IDS)) if (known === id) return Number(status);
  return 400;
}

/** Default AWS error code for an injected HTTP status. */
export function awsCodeForStatus(status: number, service: "opsworks" | "elb"): string {
  if (status === 429) return service === "elb" ? "Throttling" : "ThrottlingException";
  if (status === 503) return "ServiceUnavailable";
  if (status === 403) return service === "elb" ? "AccessDenied" : "AccessDeniedException";
  if (status >= 500) return "InternalFailure";
  return service === "elb" ? "ValidationError" : "ValidationException";
}

/** Default HTTP status for an injected AWS error code. */
export function statusForAwsCode(code: string): number {
  if (code === "ServiceUnavailable" || code === "ServiceUnavailableException") return 503;
  if (code.startsWith("Internal")) return 500;
  if (code.startsWith("AccessDenied")) return 403;
  return 400;
}
