import { ScytheError } from "../../errors.js";

/** Deletes an app on a platform (Heroku) by name or id. */
export interface AppTeardown {
  deleteApp(nameOrId: string): Promise<"deleted" | "already-gone">;
}

/** The platform refused or failed a call; `retryable` says whether trying later can help. */
export class AppApiError extends ScytheError {
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}
