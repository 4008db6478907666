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
