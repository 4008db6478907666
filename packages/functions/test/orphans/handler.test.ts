import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ValidationError } from "@scythe/core/errors";
import { NameScheme, type Inventory } from "@scythe/core/orphans";
import { makeHandler } from "../../src/orphans/handler.js";

const scheme = new NameScheme("5c1e");

const context = { functionName: "orphans", awsRequestId: "r", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function world() {
  const removed: string[] = [];
  const inventory: Inventory = {
    kind: "instance",
    list: async () => [{ kind: "instance", name: "scythe-5c1e-deadbeef-web", id: "i-1" }],
    remove: async (r) => {
      removed.push(r.name);
      return "removed";
    },
  };
  const records = { scheme, ownerPrefixes: async () => new Set<string>() };
  return { removed, handler: makeHandler(() => ({ records, inventories: [inventory] })) };
}

describe("Handler: orphans", () => {
  it("runs the sweep and returns its report", async () => {
    const { removed, handler } = world();
    const report = await handler({}, context);
    expect(removed).toEqual(["scythe-5c1e-deadbeef-web"]);
    expect(report.removed).toEqual({ instance: ["scythe-5c1e-deadbeef-web"] });
  });

  it("dry-runs on request, removing nothing", async () => {
    const { removed, handler } = world();
    const report = await handler({ dryRun: true }, context);
    expect(removed).toEqual([]);
    expect(report.dryRun).toBe(true);
  });

  it.each([
    [{ dryRun: "yes" }, "dryRun"],
    [{ dryrun: true }, "dryrun"],
  ])("refuses %j naming %s, removing nothing", async (payload, field) => {
    const { removed, handler } = world();
    const error = await handler(payload as never, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(removed).toEqual([]);
  });
});

describe("Handler: orphans, with apps", () => {
  it("reads the platform token after validation and sweeps apps with it", async () => {
    const tokens: string[] = [];
    let loads = 0;
    const apps: Inventory = { kind: "app", list: async () => [{ kind: "app", name: "scythe-5c1e-deadbeef-review", id: "a-1" }], remove: async () => "removed" };
    const handler = makeHandler(
      () => ({
        records: { scheme, ownerPrefixes: async () => new Set<string>() },
        inventories: [],
        apps: { load: async () => (loads++, "secret-token"), inventory: (token) => (tokens.push(token), apps) },
      }),
      { withApps: true },
    );
    await expect(handler({ dryrun: true } as never, context)).rejects.toBeInstanceOf(ValidationError);
    expect(loads).toBe(0);
    const report = await handler({ dryRun: true }, context);
    expect(report.removed).toEqual({ app: ["scythe-5c1e-deadbeef-review"] });
    expect(tokens).toEqual(["secret-token"]);
  });
});
