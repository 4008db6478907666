import { systemClock, type Clock } from "../../clock.js";
import { ValidationError } from "../../errors.js";
import { sleep as realSleep } from "../../lock/sleep.js";
import type { AppPlatform, CallOptions, DeleteOutcome, PlatformApp, PlatformUsage } from "../../ports/AppPlatform.js";
import { PlatformError, PlatformUnavailableError } from "../../ports/platformErrors.js";
import { RateBudget } from "./RateBudget.js";
import { herokuRequests, type HerokuRequest } from "./requests.js";
import { appsPage, deleteOutcome, failure, isRetryable, type HerokuAnswer } from "./translate.js";

/** Heroku's request budget per account: 4,500 requests, refilled over an hour. */
export const herokuBudget = 4500;

/**
 * A reserve is a whole number of requests below the budget: at or above it the reaper could
 * never send a request and would wait out its whole pass on the first one.
 */
export function checkReserve(field: string, reserve: number, budget = herokuBudget): number {
  if (!Number.isSafeInteger(reserve) || reserve < 0) throw new ValidationError(field, `${reserve} is not a whole number of requests of 0 or more`);
  if (reserve >= budget) throw new ValidationError(field, `${reserve} must be less than the platform's budget of ${budget} requests, or the reaper could never send one`);
  return reserve;
}

/** Waits `ms`, or less when `signal` aborts (lock/sleep.ts; tests pass a simulated one). */
type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HerokuPlatformOptions {
  /** e.g. `herokuApiUrl` (https://api.heroku.com), or the simulator's `${endpoint}/heroku`. */
  readonly baseUrl: string;
  readonly token: string;
  /** Requests of the budget left for the CI that creates apps (default 300 of Heroku's 4,500/hour). */
  readonly reserve?: number;
  /** The platform's refill rate, requests per second (default Heroku's 4,500 per hour). */
  readonly refillPerSecond?: number;
  /** Attempts per request, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Back-off after a 429 or 5xx: base doubled per attempt, full jitter, capped (ms). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A request slower than this is abandoned and retried (ms, default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Apps per page of GET /apps (Heroku allows up to 1000). */
  readonly pageSize?: number;
  /**
   * When the platform's `Date` header and this client's clock disagree by more than this
   * (ms, default 60 s), apps' created_at are read on the platform's clock: ages are then
   * the platform's now minus its own created_at (plus time elapsed here since the answer),
   * immune to this host's clock. Within it, the header's one-second resolution would only
   * add noise. Infinity turns the correction off.
   */
  readonly clockSkewToleranceMs?: number;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

interface Sent {
  readonly answer?: HerokuAnswer;
  /** Whether an earlier attempt may have reached the platform without its answer coming back. */
  readonly lostAnswer: boolean;
  readonly cause?: unknown;
}

/** The Heroku Platform API (v3) as an AppPlatform: paged listing, delete by id, budget-aware retries. */
export class HerokuPlatform implements AppPlatform {
  readonly name = "heroku";
  private readonly base: string;
  private readonly budget: RateBudget;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly pageSize: number;
  private readonly clock: Clock;
  private readonly skewToleranceMs: number;
  private offsetMs = 0;
  private calls = 0;
  private throttled = 0;
  private retries = 0;

  constructor(private readonly options: HerokuPlatformOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new ValidationError("baseUrl", `"${options.baseUrl}" is not an http(s) URL`);
    if (options.token.trim() === "") throw new ValidationError("token", "the Heroku API token is empty");
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.pageSize = options.pageSize ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.skewToleranceMs = options.clockSkewToleranceMs ?? 60_000;
    this.budget = new RateBudget({
      reserve: checkReserve("reserve", options.reserve ?? 300),
      refillPerSecond: options.refillPerSecond ?? 4500 / 3600,
      clock: this.clock,
      sleep: this.sleep,
      random: this.random,
    });
  }

  async listApps(options: CallOptions = {}): Promise<PlatformApp[]> {
    const apps: PlatformApp[] = [];
    let range: string | undefined = `id ..; max=${this.pageSize}`;
    let offset: number | undefined;
    for (let page = 0; range !== undefined; page++) {
      if (page > 10_000) throw new PlatformError("GET /apps kept returning Next-Range: refusing to page forever");
      const { answer, nextRange, serverOffsetMs } = await this.list(range, options.signal);
      offset ??= serverOffsetMs;
      apps.push(...appsPage(answer));
      range = answer.status === 206 ? nextRange : undefined;
    }
    this.offsetMs = offset !== undefined && Math.abs(offset) > this.skewToleranceMs ? offset : 0;
    // created_at moved onto this client's clock: age = the platform's now - created_at.
    return this.offsetMs === 0 ? apps : apps.map((app) => ({ ...app, createdAt: app.createdAt - this.offsetMs }));
  }

  async deleteApp(app: PlatformApp, options: CallOptions = {}): Promise<DeleteOutcome> {
    const sent = await this.send(herokuRequests.deleteApp(this.options.token, app.id), options.signal);
    if (!sent.answer) throw this.unanswered("DELETE /apps/{id}", sent);
    return deleteOutcome(sent.answer, sent.lostAnswer);
  }

  usage(): PlatformUsage {
    return { calls: this.calls, throttled: this.throttled, retries: this.retries, reserveWaitMs: this.budget.waitedMs() };
  }

  /** How far the platform's clock was ahead of this client's at the last listing, when beyond the tolerance (ms; else 0). */
  clockOffsetMs(): number {
    return this.offsetMs;
  }

  private async list(range: string, signal?: AbortSignal): Promise<{ answer: HerokuAnswer; nextRange?: string; serverOffsetMs?: number }> {
    let nextRange: string | undefined;
    let serverOffsetMs: number | undefined;
    const sent = await this.send(herokuRequests.listApps(this.options.token, range), signal, (res) => {
      nextRange = res.headers.get("next-range") ?? undefined;
      const date = Date.parse(res.headers.get("date") ?? "");
      if (Number.isFinite(date)) serverOffsetMs = date - this.clock.now();
    });
    if (!sent.answer) throw this.unanswered("GET /apps", sent);
    if (sent.answer.status !== 200 && sent.answer.status !== 206) throw failure(sent.answer, "GET /apps");
    return { answer: sent.answer, nextRange, serverOffsetMs };
  }

  /**
   * Sends one request with the budget, timeouts and retries. Returns the final answer
   * (possibly an error status to translate), or none when every attempt was lost.
   */
  private async send(request: HerokuRequest, signal: AbortSignal | undefined, onAnswer?: (res: Response) => void): Promise<Sent> {
    let lostAnswer = false;
    let last: HerokuAnswer | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.retries += 1;
        await this.sleep(this.backoff(attempt - 1, last), signal);
      }
      if (signal?.aborted) break;
      await this.budget.take(signal);
      this.calls += 1;
      let res: Response;
      try {
        res = await this.fetchFn(`${this.base}${request.path}`, {
          method: request.method,
          headers: { ...request.headers },
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.requestTimeoutMs)]) : AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (error) {
        // No answer: the request may or may not have been applied.
        this.budget.settle(undefined);
        lostAnswer = true;
        lastError = error;
        last = undefined;
        if (signal?.aborted) break;
        continue;
      }
      const remaining = Number(res.headers.get("ratelimit-remaining") ?? Number.NaN);
      this.budget.settle(Number.isFinite(remaining) ? remaining : undefined);
      let body: unknown;
      try {
        const text = await res.text();
        body = text === "" ? undefined : JSON.parse(text);
      } catch (error) {
        if (res.ok) {
          lostAnswer = true;
          lastError = error;
          continue;
        }
        body = undefined;
      }
      last = { status: res.status, body, requestId: res.headers.get("request-id") ?? undefined };
      if (res.status === 429) this.throttled += 1;
      if (!isRetryable(res.status)) {
        onAnswer?.(res);
        return { answer: last, lostAnswer };
      }
      lastError = undefined;
    }
    if (last) return { answer: last, lostAnswer };
    return { lostAnswer, cause: signal?.aborted ? signal.reason : lastError };
  }

  /** Full jitter on a doubling base, never under the base after a 429. */
  private backoff(retry: number, last: HerokuAnswer | undefined): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (retry - 1));
    const jittered = Math.round(ceiling * (0.5 + this.random() / 2));
    return last?.status === 429 ? Math.max(jittered, this.backoffBaseMs) : jittered;
  }

  private unanswered(what: string, sent: Sent): PlatformUnavailableError {
    const why = sent.cause instanceof Error ? `${sent.cause.name}: ${sent.cause.message}` : "connection dropped, refused or timed out";
    const maybe = sent.lostAnswer && what.startsWith("DELETE") ? "; the delete may have been applied" : "";
    return new PlatformUnavailableError(`${what}: no answer (${why})${maybe}`, { cause: sent.cause });
  }
}
