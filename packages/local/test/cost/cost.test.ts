import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { alarmPlan, hoursPerMonth } from "@scythe/core/operations";
import { freshTables } from "../../../../test/support/dynamo.js";
import { runScythe } from "../../../../test/support/cli.js";
import { parseSchedule } from "../../src/cli/actions/cost.js";
import { estimateMonthlyCost, monthlyUsage, priceTable, sharedStageSchedules, type FleetMeasurement, type MonthlyUsage } from "../../src/cost/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { localDynamoClient } from "../../src/world/clients.js";

const sample = (s: Partial<FleetMeasurement["expiryIdleRun"]>) => ({
  invocations: 0, billedMs: 0, requests: 0, readUnits: 0, writeUnits: 0, transitions: 0, logBytes: 0, metricNames: [], ...s,
});

describe("Function: estimateMonthlyCost (the arithmetic, with fixed counts)", () => {
  const usage: MonthlyUsage = {
    lines: [
      { what: "schedule: a job every minute", perOccurrence: sample({ invocations: 1, billedMs: 100, requests: 2, readUnits: 1, writeUnits: 2, logBytes: 1000, metricNames: ["a.heartbeat", "a.succeeded"] }), perMonth: 43_800, metricHours: 730 },
      { what: "deploys", perOccurrence: sample({ invocations: 10, billedMs: 500, readUnits: 5, writeUnits: 20, transitions: 100, metricNames: ["deploy.x", "a.succeeded"] }), perMonth: 4, metricHours: 40 },
    ],
    storedBytes: 1024 ** 2,
    alarmMetrics: 30,
    dashboards: 1,
    lambdaMemoryMb: 512,
    platformLogBytesPerInvocation: 300,
  };
  const estimate = estimateMonthlyCost(usage, priceTable);
  const line = (item: RegExp) => {
    const found = estimate.lines.find((l) => item.test(`${l.service} ${l.item}`));
    if (!found) throw new Error(`no line ${item}`);
    return found;
  };

  it("multiplies each count by its price", () => {
    expect(line(/^Lambda requests/)).toMatchObject({ quantity: 43_840 });
    expect(line(/^Lambda requests/).monthly).toBeCloseTo(43_840 * 0.2e-6, 10);
    // (100 ms × 43,800 + 500 ms × 4) at 0.5 GB = 2,191 GB-s.
    expect(line(/^Lambda duration/).quantity).toBeCloseTo(2191, 6);
    expect(line(/^Lambda duration/).monthly).toBeCloseTo(2191 * 0.0000133334, 10);
    expect(line(/^Step Functions/)).toMatchObject({ quantity: 400 });
    expect(line(/^Step Functions/).monthly).toBeCloseTo(0.01, 10);
    expect(line(/DynamoDB reads/).quantity).toBe(43_820);
    expect(line(/DynamoDB writes/).quantity).toBe(87_680);
    expect(line(/DynamoDB writes/).monthly).toBeCloseTo(87_680 * 0.625e-6, 10);
    expect(line(/DynamoDB storage/).quantity).toBeCloseTo(1 / 1024, 10);
    // 1,000 bytes × 43,800 of handler output plus 300 bytes × 43,840 invocations of Lambda's own lines.
    expect(line(/logs ingested/).quantity).toBeCloseTo((43_800_000 + 13_152_000) / 1024 ** 3, 10);
    expect(line(/logs ingested/).monthly).toBeCloseTo(((43_800_000 + 13_152_000) / 1024 ** 3) * 0.5, 10);
    expect(line(/X-Ray/).quantity).toBe(43_840);
  });

  it("bills a metric for the hours it is published: two all month, one for 40 hours", () => {
    const metrics = line(/custom metrics/);
    expect(metrics.item).toContain("3 names");
    expect(metrics.quantity).toBeCloseTo(2 + 40 / hoursPerMonth, 10);
    expect(metrics.monthly).toBeCloseTo((2 + 40 / hoursPerMonth) * 0.3, 10);
    expect(metrics.fixed).toBe(true);
  });

  it("adds the per-stage alarms and dashboard, totals, and names what dominates", () => {
    expect(line(/alarms/).monthly).toBeCloseTo(3, 10);
    expect(line(/dashboard/).monthly).toBe(3);
    const sum = estimate.lines.reduce((n, l) => n + l.monthly, 0);
    expect(estimate.total).toBeCloseTo(sum, 10);
    expect(estimate.fixed + estimate.usage).toBeCloseTo(sum, 10);
    // Alarms and the dashboard ($3 each) are over half of about $6.8.
    expect(estimate.dominant.map((l) => l.item.replace(/ \(.*$/, "")).sort()).toEqual(["alarms", "dashboard"]);
  });

  it("counts the alarm metrics of the stage's alarm plan", () => {
    const schedules = sharedStageSchedules({ reaper: "rate(1 hour)" });
    const m = { perDeploy: sample({}), expiryIdleRun: sample({}), perLeaseExpired: sample({}), perLeaseAcquired: sample({}), deallocatorRun: sample({}), orphansRun: sample({}), reaperIdleRun: sample({}), perAppReaped: sample({}), deployHours: 1, storedBytes: 0, fleet: 1, samples: { expiringLeases: 1, reapedApps: 1 } };
    const usage = monthlyUsage(m, { leasesPerDay: 1, appsPerDay: 1, deploysPerWeek: 1, schedules });
    const plan = alarmPlan({ stage: "prod", schedules, deadLetterQueues: ["DeadLetters", "LeaseExpiryDeadLetters"] });
    expect(usage.alarmMetrics).toBe(plan.reduce((n, a) => n + a.metrics.length, 0));
    expect(usage.lines.find((l) => l.what.includes("reaper"))?.perMonth).toBe(730);
    expect(usage.lines.find((l) => l.what.includes("expiry sweep"))?.perMonth).toBe(43_800);
  });
});

describe("Command: scythe cost, its options", () => {
  it("takes a job's schedule or turns it off, and refuses anything else naming --schedule", () => {
    expect(parseSchedule("reaper=rate(1 hour)")).toEqual({ reaper: "rate(1 hour)" });
    expect(parseSchedule("orphans=off", { reaper: "rate(1 hour)" })).toEqual({ reaper: "rate(1 hour)", orphans: undefined });
    expect(() => parseSchedule("reaper=hourly")).toThrow(/--schedule/);
    expect(() => parseSchedule("nightly=rate(1 day)")).toThrow(/--schedule/);
  });

  it("refuses one job given two different schedules (keeping either would be a guess), and takes the same one twice", () => {
    const off = parseSchedule("reaper=off");
    expect(() => parseSchedule("reaper=rate(1 hour)", off)).toThrow(/--schedule: reaper is given twice with different schedules \("off", "rate\(1 hour\)"\)/);
    expect(() => parseSchedule("reaper=off", { reaper: "rate(1 hour)" })).toThrow(/given twice/);
    expect(parseSchedule("reaper=off", off)).toEqual({ reaper: undefined });
    expect(parseSchedule("reaper=rate(1 hour)", { reaper: "rate(1 hour)" })).toEqual({ reaper: "rate(1 hour)" });
  });

  it("refuses a fleet of 0 with exit 2, naming --fleet, before starting anything", async () => {
    const result = await runScythe(["cost", "--fleet", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--fleet");
  });
});

describe("Function: measureFleet (counts from a real run in the local world)", () => {
  let sim: FleetSimulator;
  beforeAll(async () => {
    sim = await startFleetSimulator({ timeScale: 1 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("runs every job's handler on a small fleet and counts requests, units, transitions, logs and metrics", async () => {
    // As deployed: Powertools logs at INFO and publishes metrics; the handlers load after this.
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    const { measureFleet } = await import("../../src/cost/measure.js");
    const { endpoint, names } = await freshTables();
    const dynamo = localDynamoClient(endpoint);
    const world = { endpoints: { dynamodb: endpoint, simulator: sim.endpoint, heroku: `${sim.endpoint}/heroku`, tables: names, pid: process.pid }, dynamo, simulator: sim };
    const m = await measureFleet(world, { fleet: 3, expiringSample: 2, appSample: 2, deploySeconds: { drain: 20, deploy: 20, health: 10 } });
    dynamo.destroy();
    vi.unstubAllEnvs();

    // One idle sweep: one invocation that queried the expiry index, beat and said so.
    expect(m.expiryIdleRun.invocations).toBe(1);
    expect(m.expiryIdleRun.requests).toBeGreaterThan(0);
    expect(m.expiryIdleRun.readUnits).toBeGreaterThan(0);
    expect(m.expiryIdleRun.writeUnits).toBe(0);
    expect(m.expiryIdleRun.metricNames).toEqual(expect.arrayContaining(["lease-expiry.heartbeat", "lease-expiry.succeeded", "lease-expiry.backlog"]));
    expect(m.expiryIdleRun.logBytes).toBeGreaterThan(0);
    // Expiring a lease writes; the orphan sweep reads the registry; taking a lease is one invocation each.
    expect(m.perLeaseExpired.writeUnits).toBeGreaterThan(0);
    expect(m.orphansRun.readUnits).toBeGreaterThan(0);
    // Taking a lease: the leases Lambda, then the stream consumers that its writes wake.
    expect(m.perLeaseAcquired.invocations).toBeGreaterThan(1);
    expect(m.perLeaseAcquired.metricNames).toEqual(expect.arrayContaining(["leases.succeeded"]));
    expect(m.perAppReaped.metricNames).toEqual([]);
    // The deploy ran the real definition: transitions counted by the local runner, a task per Lambda call.
    expect(m.perDeploy.transitions).toBeGreaterThan(3 * 5);
    expect(m.perDeploy.invocations).toBeGreaterThan(3 * 4);
    expect(m.perDeploy.invocations).toBeLessThan(m.perDeploy.transitions);
    expect(m.perDeploy.metricNames).toEqual(expect.arrayContaining(["deploy.instancesPlanned", "deploy.instancesDone"]));
    expect(m.storedBytes).toBeGreaterThan(0);

    // The month is these counts times the workload, and nothing else.
    const usage = monthlyUsage(m, { leasesPerDay: 3, appsPerDay: 20, deploysPerWeek: 1, schedules: sharedStageSchedules() });
    const estimate = estimateMonthlyCost(usage, priceTable);
    const transitions = estimate.lines.find((l) => l.service === "Step Functions")?.quantity ?? 0;
    expect(transitions).toBeCloseTo(m.perDeploy.transitions * (hoursPerMonth / 168), 6);
    const reads = estimate.lines.find((l) => l.item.startsWith("reads"))?.quantity ?? 0;
    expect(reads).toBeGreaterThanOrEqual(m.expiryIdleRun.readUnits * 43_800);
    expect(estimate.total).toBeGreaterThan(0);
  });
});
