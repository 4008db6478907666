import { ScytheError } from "../errors.js";

export interface PlatformErrorDetails {
  /** HTTP status of the answer that caused it, if there was one. */
  readonly status?: number;
  /** The platform's own error id (Heroku's `id`, e.g. "not_found"). */
  readonly code?: string;
  /** The platform's request id, for its support team. */
  readonly requestId?: string;
  readonly cause?: unknown;
}

/** The app platform answered something the reaper cannot act on (401, a 404 that is not "app not found", a malformed body). */
export class PlatformError extends ScytheError {
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  constructor(message: string, details: PlatformErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** The platform could not be reached, or kept failing (5xx, dropped connection, timeout) after the retries. */
export class PlatformUnavailableError extends PlatformError {}

/** The platform kept answering 429, or waiting for the budget above the reserve would pass the deadline. */
export class RateLimitedError extends PlatformError {}
