import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { ValidationError } from "@scythe/core/errors";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { Namespace, type ReapReport } from "@scythe/core/reaper";
import { type TableNames } from "@scythe/core/schema";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { metrics } from "../../src/shared/observability.js";
import { makeHandler } from "../../src/reaper/makeHandler.js";
import { SecretUnavailableError } from "../../src/shared/herokuToken.js";
import { lambdaContext } from "./support.js";

const TOKEN = "reaper-lambda-token";
let sim: FleetSimulator;
let names: TableNames;
let endpoint: string;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
  ({ names, doc, endpoint } = await freshTables());
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const now = Date.now();
const seed = (apps: { name: string; ageMinutes: number }[]) =>
  sim.control.seed({ herokuApps: apps.map((a) => ({ name: a.name, created_at: new Date(now - a.ageMinutes * 60_000).toISOString() })) });
const heroku = `/heroku`;

function build(loadToken = vi.fn(async () => TOKEN), lockName?: string) {
  const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId: "lambda-test" });
  const handler = makeHandler({
    locks,
    platform: (token) => new HerokuPlatform({ baseUrl: `${sim.endpoint}${heroku}`, token, reserve: 0 }),
    loadToken,
    lockWaitMs: 0,
    ...(lockName ? { namespace: Namespace.fromPattern(lockName) } : {}),
  });
  return { handler, loadToken };
}

describe("Handler: reaper (makeHandler, DynamoDB Local + simulator)", () => {
  it("runs a pass under the lock and returns the report, with one metric per count", async () => {
    await seed([
      { name: "hatchet-t-0001", ageMinutes: 30 },
      { name: "hatchet-t-0002", ageMinutes: 3 },
      { name: "keep-me", ageMinutes: 300 },
    ]);
    const added = vi.spyOn(metrics, "addMetric");
    const { handler } = build();
    const report: ReapReport = await handler({ olderThanMinutes: 10 }, lambdaContext());
    expect(report.deleted.map((d) => d.name)).toEqual(["hatchet-t-0001"]);
    expect(report.lock).toMatchObject({ name: "reaper/heroku", token: expect.any(Number) });
    expect(report).toMatchObject({ olderThanMinutes: 10, limit: 20, dryRun: false, seen: 3, matched: 2 });
    expect(added).toHaveBeenCalledWith("reaper.deleted", "Count", 1);
    expect(added).toHaveBeenCalledWith("reaper.apiCalls", "Count", 2);
    expect(added).toHaveBeenCalledWith("reaper.succeeded", "Count", 1);
    const lock = await doc.send(new GetCommand({ TableName: names.locks, Key: { pk: "reaper/heroku" }, ConsistentRead: true }));
    expect(lock.Item?.holder).toBeUndefined();
  });

  it.each([
    [{ limit: 0 }, "limit"],
    [{ olderThanMinutes: "7" }, "olderThanMinutes"],
    [{ olderThanMinutes: -1 }, "olderThanMinutes"],
    [{ all: "true" }, "all"],
    [{ dryRun: 1 }, "dryRun"],
    [{ namespace: ".*" }, "namespace"],
    [{ olderThanMinute: 7 }, "olderThanMinute"],
  ])("refuses %j with a ValidationError naming %s, before fetching the token or calling anything", async (event, field) => {
    await seed([{ name: "hatchet-t-0001", ageMinutes: 30 }]);
    const { handler, loadToken } = build(vi.fn(async () => TOKEN), undefined);
    const error = await handler(event as never, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(loadToken).not.toHaveBeenCalled();
    expect(await sim.control.events()).toEqual([]);
  });

  it("dryRun deletes nothing", async () => {
    await seed([{ name: "hatchet-t-0001", ageMinutes: 30 }]);
    const report = await build().handler({ dryRun: true }, lambdaContext());
    expect(report).toMatchObject({ dryRun: true, deleted: [{ name: "hatchet-t-0001" }] });
    expect((await sim.control.state()).herokuApps).toHaveLength(1);
  });

  it("bounds the throttle's wait by the invocation's remaining time and reports what is left", async () => {
    await seed(Array.from({ length: 3 }, (_, i) => ({ name: `hatchet-t-a${i}`, ageMinutes: 1 })));
    const report = await build().handler({ limit: 2 }, lambdaContext(() => 12_000));
    // What it chose to wait, by its own account, fits in what the invocation had left.
    expect(report.waits.reduce((total, w) => total + w.ms, 0)).toBeLessThan(12_000);
    expect(report.complete).toBe(false);
    expect(report.left).toHaveLength(3);
    expect(report.left.every((l) => l.why === "over-limit")).toBe(true);
  });

  it("fetches the token once per cold start, and fails clearly when it cannot", async () => {
    const { handler, loadToken } = build();
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(loadToken).toHaveBeenCalledTimes(1);
    const failing = build(vi.fn(async () => Promise.reject(new Error("AccessDeniedException"))));
    const error = await failing.handler({}, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/token could not be read \(Error: AccessDeniedException\)/);
  });

  it("handler.ts wires the environment: the real export reaps the simulator with a locally set token", async () => {
    await seed([{ name: "hatchet-t-00aa", ageMinutes: 30 }]);
    vi.stubEnv("SST_Table_tableName_Locks", names.locks);
    vi.stubEnv("HEROKU_API_URL", `${sim.endpoint}${heroku}`);
    vi.stubEnv("HEROKU_API_TOKEN", TOKEN);
    vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", endpoint);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
    vi.resetModules();
    const { handler } = await import("../../src/reaper/handler.js");
    const report = await handler({}, lambdaContext());
    expect(report.deleted.map((d) => d.name)).toEqual(["hatchet-t-00aa"]);
  });

  it("handler.ts refuses a stage without its lock table or token, naming the variable", async () => {
    vi.stubEnv("SST_Table_tableName_Locks", "");
    vi.resetModules();
    await expect(import("../../src/reaper/handler.js")).rejects.toMatchObject({ field: "SST_Table_tableName_Locks" });
    vi.stubEnv("SST_Table_tableName_Locks", names.locks);
    vi.stubEnv("HEROKU_API_TOKEN", "");
    vi.resetModules();
    await expect(import("../../src/reaper/handler.js")).rejects.toMatchObject({ field: "HEROKU_API_TOKEN" });
    vi.stubEnv("SCYTHE_REAPER_NAMESPACE", "^");
    vi.stubEnv("HEROKU_API_TOKEN", TOKEN);
    vi.resetModules();
    await expect(import("../../src/reaper/handler.js")).rejects.toMatchObject({ field: "SCYTHE_REAPER_NAMESPACE" });
  });
});
