import { describe, expect, it } from "vitest";
import { AppApiError } from "../../src/leases/blueprints/AppTeardown.js";
import { HerokuAppTeardown } from "../../src/leases/blueprints/herokuAppTeardown.js";

describe("Class: HerokuAppTeardown with a token loader", () => {
  it("reads the token when it tears an app down, and sends it", async () => {
    const seen: string[] = [];
    let loads = 0;
    const teardown = new HerokuAppTeardown({
      token: async () => (loads++, "from-the-secret"),
      baseUrl: "https://heroku.test",
      fetch: async (_url, init) => {
        seen.push(String(new Headers(init?.headers).get("authorization")));
        return new Response(JSON.stringify({ id: "not_found", message: "Couldn't find that app." }), { status: 404 });
      },
    });
    expect(loads).toBe(0);
    expect(await teardown.deleteApp("review-1")).toBe("already-gone");
    expect(seen).toEqual(["Bearer from-the-secret"]);
  });

  it("treats a token that cannot be read as a temporary failure, sending nothing", async () => {
    let sent = 0;
    const teardown = new HerokuAppTeardown({
      token: () => Promise.reject(new Error("SSM throttled")),
      fetch: async () => (sent++, new Response(null, { status: 200 })),
    });
    const error = await teardown.deleteApp("review-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppApiError);
    expect(error).toMatchObject({ retryable: true });
    expect(sent).toBe(0);
  });
});
