/** Base of every error Scythe raises on purpose; anything else is a bug. */
export class ScytheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The caller asked for something that cannot be done as asked: a malformed value or a name
 * that does not exist. Raised before anything is written; the CLI exits 2 on it and a
 * handler logs it as the caller's mistake, not an incident.
 */
export class BadInputError extends ScytheError {
  /** The option, argument or payload field at fault. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.field = field;
  }
}

/** Input that cannot be acted on. Raised before anything is written. */
export class ValidationError extends BadInputError {
  constructor(field: string, message: string) {
    super(field, `${field}: ${message}`);
  }
}

/**
 * The caller named something (a lease, a resource, a stack, a layer) that does not exist.
 * Any job can throw it for an id it was given; every entry point treats it as bad input.
 */
export class UnknownIdError extends BadInputError {
  readonly id: string;
  constructor(field: string, id: string, message = `${field} "${id}" does not exist`, options?: { cause?: unknown }) {
    super(field, message, options);
    this.id = id;
  }
}

/** A backing store (DynamoDB) could not be reached or refused to serve; safe to retry later. */
export class StorageUnavailableError extends ScytheError {}

/**
 * A cloud API (OpsWorks, classic ELB) failed a call. Built in one place, from the SDK's
 * error (core/src/aws/sdkErrors.ts); `retryable` says whether the same call may succeed later.
 */
export abstract class CloudError extends ScytheError {
  abstract readonly retryable: boolean;
}

/** The cloud API refused the call for its rate; safe to retry after a pause. */
export class ThrottledError extends CloudError {
  readonly retryable = true;
}

/** The cloud API could not serve the call (5xx, network); safe to retry. */
export class CloudUnavailableError extends CloudError {
  readonly retryable = true;
}

/**
 * The API's answer proves the thing does not exist (OpsWorks ResourceNotFoundException,
 * classic ELB LoadBalancerNotFound): the only cloud error that may count as "gone".
 */
export class CloudResourceNotFoundError extends CloudError {
  readonly retryable = false;
}

/** The cloud API rejected the request (invalid, access denied); retrying the same request cannot help. */
export class CloudRequestError extends CloudError {
  readonly retryable = false;
}

/** The backing store refused the request itself (validation, access); retrying it cannot help. */
export class StorageRequestError extends ScytheError {}

/**
 * A write the stored state forbids (the record has moved on, e.g. a deploy that already
 * ended). Not transient: retrying the same write meets the same state.
 */
export class ConflictError extends ScytheError {}
