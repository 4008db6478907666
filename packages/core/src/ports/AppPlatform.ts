/** One app as the reaper sees it, whatever platform it lives on. */
export interface PlatformApp {
  /** Stable id: deletes go by id, so a recycled name never takes a new app with it. */
  readonly id: string;
  readonly name: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** The app's owner marked it done (Heroku: maintenance mode at teardown); preferred when over the limit. */
  readonly finished: boolean;
}

/**
 * How a delete ended. `gone` is a conflict, not an error and not a deletion: a 404 "not
 * found" (absence proven) or a 403 (another delete under way, as Hatchet logs it; the app
 * still exists). `afterLostAnswer` says an earlier attempt of this very call may have been
 * applied (its answer was lost): with a 404 the app is most likely gone by us.
 */
export type DeleteOutcome =
  | { readonly kind: "deleted" }
  | { readonly kind: "gone"; readonly status: number; readonly detail: string; readonly afterLostAnswer: boolean };

/** What the platform client has spent so far; the reaper reports the difference per pass. */
export interface PlatformUsage {
  /** Requests sent, retries included. */
  readonly calls: number;
  /** Answers that were 429 (rate limited). */
  readonly throttled: number;
  /** Requests repeated after a 429, a 5xx, a timeout or a dropped connection. */
  readonly retries: number;
  /** Time spent waiting so as not to dip into the reserved budget (ms). */
  readonly reserveWaitMs: number;
}

export interface CallOptions {
  /** Aborts waits and requests (the pass's deadline or a lost lock). */
  readonly signal?: AbortSignal;
}

/**
 * The app platform port: what the reaper needs and nothing else, so another platform
 * (CloudFormation stacks, review-app hosts) is one small adapter. Unexpected answers
 * are thrown as PlatformError (or its subclasses); a racing delete is a value.
 */
export interface AppPlatform {
  /** Short name for reports and lock names, e.g. "heroku". */
  readonly name: string;
  /** Every app the credentials can see (all pages). */
  listApps(options?: CallOptions): Promise<PlatformApp[]>;
  deleteApp(app: PlatformApp, options?: CallOptions): Promise<DeleteOutcome>;
  usage(): PlatformUsage;
}
