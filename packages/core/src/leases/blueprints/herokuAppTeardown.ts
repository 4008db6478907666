import { AppApiError, type AppTeardown } from "./AppTeardown.js";

export interface HerokuAppTeardownOptions {
  /** The bearer token, or how to get it when needed (a secret store, cached by the caller). */
  readonly token: string | (() => Promise<string>);
  /** Default https://api.heroku.com; the fleet simulator serves it under /heroku. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Per-request timeout (ms, default 10 s). */
  readonly timeoutMs?: number;
}

/** AppTeardown on the Heroku Platform API (v3) with a bearer token. */
export class HerokuAppTeardown implements AppTeardown {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HerokuAppTeardownOptions) {
    this.baseUrl = (options.baseUrl ?? "https://api.heroku.com").replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** A token that cannot be read now is a temporary failure: the teardown is tried again later. */
  private async token(nameOrId: string): Promise<string> {
    const source = this.options.token;
    if (typeof source === "string") return source;
    try {
      return await source();
    } catch (error) {
      throw new AppApiError(`delete app ${nameOrId}: the API token could not be read (${error instanceof Error ? error.message : String(error)})`, 0, true, { cause: error });
    }
  }

  async deleteApp(nameOrId: string): Promise<"deleted" | "already-gone"> {
    const token = await this.token(nameOrId);
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}/apps/${encodeURIComponent(nameOrId)}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.heroku+json; version=3" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new AppApiError(`delete app ${nameOrId}: no answer (${error instanceof Error ? error.message : String(error)})`, 0, true, { cause: error });
    }
    if (response.ok) {
      await response.body?.cancel();
      return "deleted";
    }
    const body = (await response.json().catch(() => ({}))) as { id?: unknown; message?: unknown };
    const id = typeof body.id === "string" ? body.id : "";
    const message = typeof body.message === "string" ? body.message : response.statusText;
    if (response.status === 404 && id === "not_found") return "already-gone";
    // 403 "already being deleted": the deletion is under way; asking again later yields 404.
    const beingDeleted = response.status === 403 && /already being deleted/i.test(message);
    const retryable = response.status === 429 || response.status >= 500 || beingDeleted;
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new AppApiError(`delete app ${nameOrId}: HTTP ${response.status} ${id || "error"}: ${message}`, response.status, retryable, {
      ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }),
    });
  }
}
