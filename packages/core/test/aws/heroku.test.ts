import { describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/HerokuPlatform.js";
import { herokuApiUrl, herokuRequests } from "../../src/aws/heroku/requests.js";
import { AppApiError } from "../../src/leases/blueprints/AppTeardown.js";
import { HerokuAppTeardown } from "../../src/leases/blueprints/herokuAppTeardown.js";
import { PlatformAppInventory } from "../../src/orphans/adapters/PlatformAppInventory.js";
import { PlatformError, PlatformUnavailableError, RateLimitedError } from "../../src/ports/platformErrors.js";

/** A fetch that records each request and answers from a script. */
function scripted(answers: { status: number; body?: unknown }[]) {
  const sent: { url: string; method: string; headers: Record<string, string> }[] = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), method: init?.method ?? "GET", headers: { ...(init?.headers as Record<string, string>) } });
    const answer = answers.shift() ?? { status: 500 };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: { "ratelimit-remaining": "4000" } });
  }) as typeof fetch;
  return { fetchFn, sent };
}

const appNotFound = { status: 404, body: { id: "not_found", message: "Couldn't find that app." } };
const beingDeleted = { status: 403, body: { id: "forbidden", message: "This app is already being deleted." } };

describe("Module: herokuRequests (requests as data)", () => {
  it("builds DELETE /apps/{id} with the id encoded, the v3 Accept header and the bearer token", () => {
    expect(herokuRequests.deleteApp("t0k", "a b/c")).toEqual({
      method: "DELETE",
      path: "/apps/a%20b%2Fc",
      headers: { accept: "application/vnd.heroku+json; version=3", authorization: "Bearer t0k", "user-agent": "scythe-reaper" },
    });
  });

  it("builds GET /apps with the Range header that pages", () => {
    expect(herokuRequests.listApps("t0k", "id ..; max=1000")).toMatchObject({ method: "GET", path: "/apps", headers: { range: "id ..; max=1000" } });
  });

  it("has one default API URL", () => {
    expect(herokuApiUrl).toBe("https://api.heroku.com");
  });
});

describe("Class: HerokuPlatform", () => {
  it("sends exactly the built DELETE request", async () => {
    const { fetchFn, sent } = scripted([{ status: 200, body: {} }]);
    await new HerokuPlatform({ baseUrl: "http://heroku.test", token: "t0k", fetch: fetchFn }).deleteApp({ id: "3f0c", name: "x", createdAt: 0, finished: false });
    const built = herokuRequests.deleteApp("t0k", "3f0c");
    expect(sent).toEqual([{ url: `http://heroku.test${built.path}`, method: built.method, headers: built.headers }]);
  });
});

/** Heroku's answers to a delete, and what each use of the client must make of them (translate.ts decides, once). */
const rows: [string, { status: number; body?: unknown }, { inventory: string; teardown: "already-gone" | { retryable: boolean } }][] = [
  ["404 not_found (absence proven)", appNotFound, { inventory: "already-gone", teardown: "already-gone" }],
  ["403 (another delete under way: not gone)", beingDeleted, { inventory: "PlatformError", teardown: { retryable: true } }],
  ["429 (rate limited)", { status: 429, body: { id: "rate_limit", message: "slow down" } }, { inventory: "RateLimitedError", teardown: { retryable: true } }],
  ["503", { status: 503 }, { inventory: "PlatformUnavailableError", teardown: { retryable: true } }],
  ["401 (bad token)", { status: 401, body: { id: "unauthorized", message: "Invalid credentials provided." } }, { inventory: "PlatformError", teardown: { retryable: false } }],
  ["404 that is not an app (a wrong URL)", { status: 404, body: { id: "not_found", message: "The requested API endpoint was not found." } }, { inventory: "PlatformError", teardown: { retryable: false } }],
];
const errorClasses: Record<string, new (...args: never[]) => PlatformError> = { PlatformError, RateLimitedError, PlatformUnavailableError };

describe.each(rows)("Heroku answering a delete with %s", (_, answer, expected) => {
  const platform = () => new HerokuPlatform({ baseUrl: "http://heroku.test", token: "t0k", fetch: scripted([answer]).fetchFn, maxAttempts: 1 });

  it(`the orphan inventory: ${expected.inventory}`, async () => {
    const outcome = new PlatformAppInventory(platform()).remove({ kind: "app", name: "scythe-1a2b-x", id: "3f0c" }).catch((e: unknown) => e);
    if (expected.inventory === "already-gone") return expect(await outcome).toBe("already-gone");
    const error = await outcome;
    expect(error).toBeInstanceOf(errorClasses[expected.inventory]);
    expect(error).toMatchObject({ status: answer.status });
  });

  it(`the lease teardown: ${expected.teardown === "already-gone" ? "already gone" : `retryable ${String(expected.teardown.retryable)}`}`, async () => {
    const outcome = new HerokuAppTeardown({ token: "t0k", baseUrl: "http://heroku.test", fetch: scripted([answer]).fetchFn }).deleteApp("3f0c").catch((e: unknown) => e);
    if (expected.teardown === "already-gone") return expect(await outcome).toBe("already-gone");
    const error = await outcome;
    expect(error).toBeInstanceOf(AppApiError);
    expect(error).toMatchObject({ status: answer.status, retryable: expected.teardown.retryable });
  });
});
