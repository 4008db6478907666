import { describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/index.js";
import { ValidationError } from "../../src/errors.js";
import { PlatformError, PlatformUnavailableError, RateLimitedError, type PlatformApp } from "../../src/ports/index.js";
import { ManualClock } from "./support.js";

/** Adapter unit tests with a scripted fetch; the same adapter runs against the simulator in reaper.sim.test.ts. */
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

function scripted(steps: Step[]) {
  const requests: { method: string; url: string; headers: Record<string, string> }[] = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ method: init?.method ?? "GET", url: String(url), headers: (init?.headers ?? {}) as Record<string, string> });
    const step = steps.shift();
    if (step === undefined) throw new Error("no more scripted answers");
    if (step instanceof Error) throw step;
    const body = step.body === undefined ? "" : JSON.stringify(step.body);
    return new Response(body === "" ? null : body, { status: step.status, headers: { "ratelimit-remaining": "4000", ...step.headers } });
  }) as typeof fetch;
  return { fetchFn, requests };
}

function platform(steps: Step[], extra: Partial<ConstructorParameters<typeof HerokuPlatform>[0]> = {}) {
  const clock = new ManualClock(0);
  const { fetchFn, requests } = scripted(steps);
  const heroku = new HerokuPlatform({ baseUrl: "http://heroku.test/", token: "t0k", fetch: fetchFn, clock, sleep: clock.sleep, random: () => 0.5, ...extra });
  return { heroku, requests, clock };
}

const target: PlatformApp = { id: "3f0c", name: "hatchet-t-abc", createdAt: 0, finished: false };
const notFound = { status: 404, body: { id: "not_found", message: "Couldn't find that app." } };

describe("Class: HerokuPlatform", () => {
  describe("Method: constructor", () => {
    it("refuses an empty token or a base URL that is not http(s), naming the field", () => {
      expect(() => new HerokuPlatform({ baseUrl: "http://x", token: " " })).toThrow(ValidationError);
      expect(() => new HerokuPlatform({ baseUrl: "ftp://x", token: "t" })).toThrow(/baseUrl/);
    });
  });

  describe("Method: deleteApp", () => {
    it("deletes by id with the bearer token and the v3 Accept header", async () => {
      const { heroku, requests } = platform([{ status: 200, body: {} }]);
      await expect(heroku.deleteApp(target)).resolves.toEqual({ kind: "deleted" });
      expect(requests[0]).toMatchObject({ method: "DELETE", url: "http://heroku.test/apps/3f0c" });
      expect(requests[0]?.headers).toMatchObject({ authorization: "Bearer t0k", accept: "application/vnd.heroku+json; version=3" });
    });

    it("a 404 'Couldn't find that app.' and a 403 are conflicts (already gone)", async () => {
      const { heroku } = platform([notFound, { status: 403, body: { id: "forbidden", message: "This app is already being deleted." } }]);
      await expect(heroku.deleteApp(target)).resolves.toEqual({ kind: "gone", status: 404, detail: "Couldn't find that app.", afterLostAnswer: false });
      await expect(heroku.deleteApp(target)).resolves.toMatchObject({ kind: "gone", status: 403 });
    });

    it("a 404 that is not 'app not found' (a wrong URL) is an error, never a conflict", async () => {
      const { heroku } = platform([{ status: 404, body: { id: "not_found", message: "The requested API endpoint was not found." } }]);
      const error = await heroku.deleteApp(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformError);
      expect(error).toMatchObject({ status: 404, code: "not_found" });
      expect((error as Error).message).toMatch(/not an "app not found"/);
    });

    it("401 is an error with the status", async () => {
      const { heroku } = platform([{ status: 401, body: { id: "unauthorized", message: "Invalid credentials provided." } }]);
      await expect(heroku.deleteApp(target)).rejects.toMatchObject({ name: "PlatformError", status: 401 });
    });

    it("retries 5xx with a doubling, jittered back-off, then succeeds", async () => {
      const { heroku, clock } = platform([{ status: 503 }, { status: 502 }, { status: 200, body: {} }], { backoffBaseMs: 100 });
      await expect(heroku.deleteApp(target)).resolves.toEqual({ kind: "deleted" });
      expect(clock.slept).toEqual([75, 150]);
      expect(heroku.usage()).toMatchObject({ calls: 3, retries: 2, throttled: 0 });
    });

    it("gives up after maxAttempts with PlatformUnavailableError carrying the status", async () => {
      const { heroku } = platform([{ status: 503 }, { status: 503 }, { status: 503 }], { maxAttempts: 3 });
      await expect(heroku.deleteApp(target)).rejects.toBeInstanceOf(PlatformUnavailableError);
      expect(heroku.usage().calls).toBe(3);
    });

    it("backs off on 429 and counts it; still 429 after the attempts is RateLimitedError", async () => {
      const limited = { status: 429, body: { id: "rate_limit", message: "Your account reached the API rate limit" }, headers: { "ratelimit-remaining": "0" } };
      const { heroku } = platform([limited, limited], { maxAttempts: 2, reserve: 0, refillPerSecond: 1000 });
      const error = await heroku.deleteApp(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(heroku.usage()).toMatchObject({ calls: 2, throttled: 2, retries: 1 });
    });

    it("a lost answer followed by 'not found' is reported as probably deleted by us", async () => {
      const { heroku } = platform([new TypeError("fetch failed"), notFound]);
      await expect(heroku.deleteApp(target)).resolves.toMatchObject({ kind: "gone", status: 404, afterLostAnswer: true });
    });

    it("says the delete may have been applied when every answer was lost", async () => {
      const { heroku } = platform([new TypeError("socket hang up"), new TypeError("socket hang up")], { maxAttempts: 2 });
      await expect(heroku.deleteApp(target)).rejects.toThrow(/no answer \(TypeError: socket hang up\); the delete may have been applied/);
    });
  });

  describe("Rate-limit reserve", () => {
    it("waits for the refill rather than spend the reserve", async () => {
      const low = { status: 200, body: {}, headers: { "ratelimit-remaining": "10" } };
      const { heroku, clock } = platform([low, low], { reserve: 10, refillPerSecond: 2 });
      await heroku.deleteApp(target);
      expect(clock.slept).toEqual([]);
      await heroku.deleteApp(target);
      // One request must refill above the reserve of 10: 1 / 2 per second = 500 ms, plus up to 20% jitter.
      expect(clock.slept).toEqual([550]);
      expect(heroku.usage().reserveWaitMs).toBe(550);
    });

    it("counts requests in flight against the budget", async () => {
      const clock = new ManualClock(0);
      let inFlight = 0;
      let most = 0;
      const release: (() => void)[] = [];
      const fetchFn = (async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight -= 1;
        return new Response("{}", { status: 200, headers: { "ratelimit-remaining": "12" } });
      }) as typeof fetch;
      const sleeps: number[] = [];
      const heroku = new HerokuPlatform({
        baseUrl: "http://h",
        token: "t",
        fetch: fetchFn,
        clock,
        reserve: 10,
        refillPerSecond: 1,
        sleep: async (ms) => {
          sleeps.push(ms);
          await new Promise((r) => setTimeout(r, 1));
        },
      });
      // Learn the budget (12 left) with one request first.
      const first = heroku.deleteApp(target);
      await new Promise((r) => setTimeout(r, 5));
      release.shift()?.();
      await first;
      const four = Promise.all([1, 2, 3, 4].map(() => heroku.deleteApp(target)));
      await new Promise((r) => setTimeout(r, 20));
      // 12 left and a reserve of 10: two may be in flight, the other two wait for the refill.
      expect(inFlight).toBe(2);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 10));
        release.shift()?.();
        await new Promise((r) => setTimeout(r, 10));
      }
      await four;
      expect(most).toBe(2);
      expect(sleeps.length).toBeGreaterThan(0);
    });
  });

  describe("Method: listApps", () => {
    it("follows Next-Range over 206 pages and maps the apps", async () => {
      const a = { id: "1", name: "hatchet-t-a", created_at: "2025-01-01T00:00:00Z", maintenance: true };
      const b = { id: "2", name: "other", created_at: "2025-01-02T00:00:00Z", maintenance: false };
      const { heroku, requests } = platform([{ status: 206, body: [a], headers: { "next-range": "id ]1..; max=1" } }, { status: 200, body: [b] }], { pageSize: 1 });
      const apps = await heroku.listApps();
      expect(apps).toEqual([
        { id: "1", name: "hatchet-t-a", createdAt: Date.parse("2025-01-01T00:00:00Z"), finished: true },
        { id: "2", name: "other", createdAt: Date.parse("2025-01-02T00:00:00Z"), finished: false },
      ]);
      expect(requests.map((r) => r.headers.range)).toEqual(["id ..; max=1", "id ]1..; max=1"]);
    });

    it("refuses a malformed body instead of treating it as an empty list", async () => {
      const { heroku } = platform([{ status: 200, body: [{ id: "1", name: "x", created_at: "yesterday" }] }]);
      await expect(heroku.listApps()).rejects.toThrow(/unexpected body \(0.created_at: is not a date\)/);
    });
  });
});
