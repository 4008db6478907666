/** Base of every error Scythe raises on purpose; anything else is a bug. */
export class ScytheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that cannot be acted on. Raised before anything is written. */
export class ValidationError extends ScytheError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A backing store (DynamoDB) could not be reached or refused to serve; safe to retry later. */
export class StorageUnavailableError extends ScytheError {}
