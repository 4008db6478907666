import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type Deallocator } from "@scythe/core/deallocator";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { type LockService } from "@scythe/core/lock";
import { makeHandler as makeReconcileHandler } from "../src/deallocator/reconcile.js";
import { makeHandler as makeSweepHandler } from "../src/leases/expirySweep.js";
import { makeHandler as makeOrphansHandler } from "../src/orphans/handler.js";
import { makeHandler as makeReaperHandler } from "../src/reaper/makeHandler.js";
import { metrics } from "../src/shared/observability.js";
import { freshTables } from "../../../test/support/dynamo.js";

const context = {
  functionName: "scythe-test",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** The EMF documents a pipeline wrote to stdout, as CloudWatch would ingest them. */
function captureEmf(): () => { names: string[]; dimensions: string[][]; values: Record<string, unknown>[] } {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => {
    const docs = lines.flatMap((l) => l.split("\n")).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const directives = docs.flatMap((d) => (d._aws as { CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[] }).CloudWatchMetrics);
    return { names: directives.flatMap((c) => c.Metrics.map((m) => m.Name)), dimensions: directives.flatMap((c) => c.Dimensions), values: docs };
  };
}

/** Loads the handler pipeline afresh with Powertools metrics switched on (the test config switches them off). */
async function livePipeline(stage: string) {
  vi.resetModules();
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  vi.stubEnv("SST_STAGE", stage);
  return (await import("../src/shared/lambda.js")).lambda;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("Middleware: heartbeat (through the real Powertools EMF output)", () => {
  const schema = z.object({ dryRun: z.boolean().default(false) });

  it("emits <job>.heartbeat once per run of a scheduled job, with the stage as a dimension", async () => {
    const lambda = await livePipeline("prod");
    const emf = captureEmf();
    const handler = lambda({ job: "reaper", scheduled: true, schema, fn: async () => "ok" });
    await handler({}, context);
    await handler({}, context);
    const out = emf();
    expect(out.names.filter((n) => n === "reaper.heartbeat")).toHaveLength(2);
    expect(out.names.filter((n) => n === "reaper.succeeded")).toHaveLength(2);
    expect(out.dimensions.every((d) => d.includes("service") && d.includes("stage"))).toBe(true);
    expect(out.values.every((v) => v.stage === "prod" && v.service === "scythe")).toBe(true);
  });

  it("beats even when the run fails, so a failing job is told apart from one that stopped running", async () => {
    const lambda = await livePipeline("prod");
    const emf = captureEmf();
    const failing = lambda({ job: "orphans", scheduled: true, schema, fn: async () => { throw new Error("boom"); } });
    await expect(failing({}, context)).rejects.toThrow("boom");
    await expect(failing({ dryRun: "yes" } as never, context)).rejects.toMatchObject({ field: "dryRun" });
    const names = emf().names;
    expect(names.filter((n) => n === "orphans.heartbeat")).toHaveLength(2);
    // The stable failure count the alarms watch, beside the one named by the error.
    expect(names.filter((n) => n === "orphans.failed")).toHaveLength(2);
    expect(names).toEqual(expect.arrayContaining(["orphans.failed.Error", "orphans.failed.ValidationError"]));
  });

  it("does not beat for a job that is not scheduled", async () => {
    const lambda = await livePipeline("prod");
    const emf = captureEmf();
    await lambda({ job: "leases", schema, fn: async () => "ok" })({}, context);
    expect(emf().names).toEqual(["leases.succeeded"]);
  });
});

describe("Handlers: every scheduled job beats", () => {
  const never = () => {
    throw new Error("the job must not run on a bad payload");
  };
  type Handler = (event: never, context: Context) => Promise<unknown>;
  const handlers: [string, () => Handler][] = [
    ["reaper", () => makeReaperHandler({ locks: {} as LockService, platform: never, loadToken: async () => never() }) as Handler],
    ["lease-expiry", () => makeSweepHandler(() => never()) as Handler],
    ["deallocator", () => makeReconcileHandler(() => never() as Deallocator) as Handler],
    ["orphans", () => makeOrphansHandler(() => never()) as Handler],
  ];

  it.each(handlers)("%s emits its heartbeat before anything else, even on a payload it refuses", async (job, make) => {
    const added = vi.spyOn(metrics, "addMetric");
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    await expect(make()({ dryRun: "yes" } as never, context)).rejects.toMatchObject({ field: "dryRun" });
    expect(added).toHaveBeenCalledWith(`${job}.heartbeat`, "Count", 1);
    expect(added).toHaveBeenCalledWith(`${job}.failed`, "Count", 1);
  });
});

describe("Handler: the expiry sweep's backlog and lag (DynamoDB Local)", () => {
  it("reports how many objects were due and how long the oldest had waited", async () => {
    const { doc, names } = await freshTables();
    let now = Date.parse("2026-11-30T12:00:00Z");
    const clock = { now: () => now };
    const blueprint: Blueprint = { name: "instant", destroy: async () => "destroyed" };
    const leases: Leases = composeLeases({ doc, tables: names, blueprints: [blueprint], workerId: "ops-test", clock });
    const resource = await leases.service.createResource({ id: `r-${randomUUID().slice(0, 8)}`, kind: "host", blueprint: "instant" });
    await leases.service.acquire({ resourceId: resource.id, holder: "ci:1", expiresInMs: 10_000 });
    await leases.service.acquire({ resourceId: resource.id, holder: "ci:2", expiresInMs: 40_000 });
    now += 70_000;

    const added = vi.spyOn(metrics, "addMetric");
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const report = await makeSweepHandler(() => leases)({} as never, context);
    expect(report).toMatchObject({ expired: 2, failures: [] });
    expect(added).toHaveBeenCalledWith("lease-expiry.backlog", "Count", 2);
    // The first lease fell due 60 s before the sweep looked.
    expect(added).toHaveBeenCalledWith("lease-expiry.lagSeconds", "Seconds", 60);
    expect(added).toHaveBeenCalledWith("lease-expiry.expired", "Count", 2);
    expect(added).toHaveBeenCalledWith("lease-expiry.errors", "Count", 0);
  });
});
