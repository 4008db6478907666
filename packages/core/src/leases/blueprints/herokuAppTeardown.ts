import { HerokuPlatform } from "../../aws/heroku/HerokuPlatform.js";
import { herokuApiUrl } from "../../aws/heroku/requests.js";
import { PlatformError, PlatformUnavailableError, RateLimitedError } from "../../ports/platformErrors.js";
import { AppApiError, type AppTeardown } from "./AppTeardown.js";

export interface HerokuAppTeardownOptions {
  /** The bearer token, or how to get it when needed (a secret store, cached by the caller). */
  readonly token: string | (() => Promise<string>);
  /** Default `herokuApiUrl`; the fleet simulator serves it under /heroku. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Requests of the hourly budget left for the CI that creates apps (the reaper's reserve). */
  readonly reserve?: number;
}

/**
 * AppTeardown on the reaper's Heroku client, so teardowns spend the same rate-limit budget
 * the same careful way (reserve, 429 back-off, timeouts). One attempt per call: the
 * update worker already retries temporary failures on its own schedule.
 */
export class HerokuAppTeardown implements AppTeardown {
  private readonly platforms = new Map<string, HerokuPlatform>();

  constructor(private readonly options: HerokuAppTeardownOptions) {}

  async deleteApp(nameOrId: string): Promise<"deleted" | "already-gone"> {
    const platform = this.platform(await this.token(nameOrId));
    let outcome;
    try {
      outcome = await platform.deleteApp({ id: nameOrId, name: nameOrId, createdAt: 0, finished: false });
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      const retryable = error instanceof PlatformUnavailableError || error instanceof RateLimitedError;
      throw new AppApiError(`delete app ${nameOrId}: ${error.message}`, error.status ?? 0, retryable, { cause: error });
    }
    if (outcome.kind === "deleted") return "deleted";
    if (outcome.status === 404) return "already-gone";
    // 403: another deletion is under way; ask again later for a definite 404.
    throw new AppApiError(`delete app ${nameOrId}: HTTP ${outcome.status}: ${outcome.detail}`, outcome.status, true);
  }

  /** One client per token, so its view of the rate-limit budget carries across teardowns. */
  private platform(token: string): HerokuPlatform {
    let platform = this.platforms.get(token);
    if (!platform) {
      platform = new HerokuPlatform({
        baseUrl: this.options.baseUrl ?? herokuApiUrl,
        token,
        maxAttempts: 1,
        ...(this.options.fetch && { fetch: this.options.fetch }),
        ...(this.options.reserve !== undefined && { reserve: this.options.reserve }),
      });
      this.platforms.set(token, platform);
    }
    return platform;
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
}
