import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { paginate, parseRange, type Page } from "../../src/sim/herokuRange.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";

let sim: FleetSimulator;
let base: string;
const TOKEN = "test-token";
const auth = { authorization: `Bearer ${TOKEN}`, accept: "application/vnd.heroku+json; version=3" };

interface App {
  id: string;
  name: string;
  created_at: string;
}

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
  base = `${sim.endpoint}/heroku`;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.seed({
    herokuApps: Array.from({ length: 7 }, (_, i) => ({
      name: `app-${String.fromCharCode(97 + i)}`,
      created_at: `2024-01-0${i + 1}T12:00:00Z`,
    })),
  });
});

const get = (path: string, headers: Record<string, string> = auth) => fetch(`${base}${path}`, { headers });
const del = (path: string) => fetch(`${base}${path}`, { method: "DELETE", headers: auth });

describe("Heroku app listing", () => {
  it("pages with Range / Next-Range, 206 while more remain and 200 on the last page", async () => {
    const seen: string[] = [];
    let range = "name ..; max=3";
    const statuses: number[] = [];
    for (;;) {
      const res = await get("/apps", { ...auth, range });
      statuses.push(res.status);
      seen.push(...((await res.json()) as App[]).map((a) => a.name));
      const next = res.headers.get("next-range");
      if (next === null) break;
      range = next;
    }
    expect(statuses).toEqual([206, 206, 200]);
    expect(seen).toEqual(["app-a", "app-b", "app-c", "app-d", "app-e", "app-f", "app-g"]);
  });

  it("Next-Range continues after the last id, and order=desc reverses", async () => {
    const first = await get("/apps", { ...auth, range: "id ..; max=2" });
    const page = (await first.json()) as App[];
    expect(first.headers.get("next-range")).toBe(`id ]${page[1]?.id}..; max=2`);
    const desc = await get("/apps", { ...auth, range: "created_at ..; max=2, order=desc" });
    expect(((await desc.json()) as App[]).map((a) => a.name)).toEqual(["app-g", "app-f"]);
    expect(desc.headers.get("next-range")).toBe("created_at ]2024-01-06T12:00:00Z..; max=2, order=desc");
  });

  it("without Range returns everything with 200 and app fields", async () => {
    const res = await get("/apps");
    expect(res.status).toBe(200);
    const apps = (await res.json()) as (App & { maintenance: boolean; updated_at: string })[];
    expect(apps).toHaveLength(7);
    expect(apps.find((a) => a.name === "app-c")).toMatchObject({ created_at: "2024-01-03T12:00:00Z", maintenance: false });
    expect(apps[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("a malformed Range is a 400", async () => {
    const res = await get("/apps", { ...auth, range: "colour ..; max=2" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { id: string }).id).toBe("bad_request");
  });
});

describe("Heroku errors, auth and rate limits", () => {
  it("requires a bearer token (401 unauthorized)", async () => {
    const none = await get("/apps", {});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ id: "unauthorized" });
    const wrong = await get("/apps", { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
  });

  it("DELETE returns the app, then 404 not_found for the gone app", async () => {
    const [target] = (await (await get("/apps", { ...auth, range: "name ..; max=1" })).json()) as App[];
    const res = await del(`/apps/${target?.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: target?.id, name: "app-a" });
    const again = await del(`/apps/${target?.id}`);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ id: "not_found", message: "Couldn't find that app." });
    const byName = await del("/apps/app-b");
    expect(byName.status).toBe(200);
    expect(((await (await get("/apps")).json()) as App[]).map((a) => a.name)).not.toContain("app-b");
  });

  it("a racing delete gets 403 forbidden while the first delete is in progress", async () => {
    await sim.control.config({ herokuDeleteSeconds: 10 });
    expect((await del("/apps/app-c")).status).toBe(200);
    const racing = await del("/apps/app-c");
    expect(racing.status).toBe(403);
    expect(((await racing.json()) as { id: string }).id).toBe("forbidden");
    await sim.control.advance(10);
    expect((await get("/apps/app-c")).status).toBe(404);
  });

  it("a 403 can also be injected as a fault for DELETE /apps", async () => {
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 403, count: 1 });
    const res = await del("/apps/app-d");
    expect(res.status).toBe(403);
    expect(((await res.json()) as { id: string }).id).toBe("forbidden");
    expect((await get("/apps/app-d")).status).toBe(200);
  });

  it("counts RateLimit-Remaining down per token and answers 429 rate_limit when spent, refilling over time", async () => {
    await sim.control.config({ herokuRateLimit: { max: 3, perSecond: 0.5 } });
    const remaining: (string | null)[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get("/apps");
      remaining.push(res.headers.get("ratelimit-remaining"));
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(remaining).toEqual(["2", "1", "0", "0", "0"]);
    const limited = await get("/apps");
    expect(await limited.json()).toMatchObject({ id: "rate_limit" });
    await sim.control.advance(2);
    const refilled = await get("/apps");
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("creates apps, rejecting taken names with 422", async () => {
    const res = await fetch(`${base}/apps`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"name":"fresh-app"}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "fresh-app", maintenance: false });
    const dup = await fetch(`${base}/apps`, { method: "POST", headers: auth, body: '{"name":"fresh-app"}' });
    expect(dup.status).toBe(422);
    const bad = await fetch(`${base}/apps`, { method: "POST", headers: auth, body: "{oops" });
    expect(bad.status).toBe(400);
  });

  it("unknown endpoints are 404 and every call is logged", async () => {
    const since = await sim.control.lastSeq();
    const res = await get("/teams");
    expect(res.status).toBe(404);
    const events = await sim.control.events(since);
    expect(events[0]).toMatchObject({ service: "heroku", action: "GET /teams", outcome: "error", status: 404 });
  });
});

describe("Range paging (property)", () => {
  it("walking Next-Range visits every app exactly once, in order, for any page size and order", () => {
    const apps = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{2,8}$/), { minLength: 0, maxLength: 40 }).map((names) =>
      names.map((name, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, name, created_at: "", updated_at: "" })),
    );
    fc.assert(
      fc.property(apps, fc.integer({ min: 1, max: 12 }), fc.constantFrom("asc", "desc"), (all, max, order) => {
        const seen: string[] = [];
        let range: string | undefined = `name ..; max=${max}${order === "desc" ? ", order=desc" : ""}`;
        while (range !== undefined) {
          const page: Page<(typeof all)[number]> = paginate(all, parseRange(range));
          expect(page.items.length).toBeLessThanOrEqual(max);
          seen.push(...page.items.map((a) => a.name));
          range = page.nextRange;
        }
        const sorted = all.map((a) => a.name).sort();
        expect(seen).toEqual(order === "asc" ? sorted : sorted.reverse());
      }),
    );
  });
});
