import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ValidationError } from "@scythe/core/errors";
import { lambda } from "../src/shared/lambda.js";
import { metrics } from "../src/shared/observability.js";
import { tableNameFromEnv, tableNamesFromEnv } from "../src/shared/env.js";
import { herokuToken, SecretUnavailableError } from "../src/shared/herokuToken.js";

const context = {
  functionName: "scythe-test",
  functionVersion: "1",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:scythe-test",
  memoryLimitInMB: "128",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const schema = z.object({ limit: z.number().int().positive().default(20), dryRun: z.boolean().default(false) });

describe("Function: lambda (the middy pipeline)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("passes the parsed input, defaults applied, to the job and records success", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const added = vi.spyOn(metrics, "addMetric");
    const fn = vi.fn(async (input: z.infer<typeof schema>) => ({ seen: input }));
    const handler = lambda({ job: "reaper", schema, fn });
    const result = await handler({ limit: 5 }, context);
    expect(result).toEqual({ seen: { limit: 5, dryRun: false } });
    expect(added).toHaveBeenCalledWith("reaper.succeeded", "Count", 1);
  });

  it("refuses a bad payload with an error naming the field, before the job runs", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const added = vi.spyOn(metrics, "addMetric");
    const fn = vi.fn(async () => "ran");
    const handler = lambda({ job: "reaper", schema, fn });
    const error = await handler({ limit: -1 } as never, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("limit");
    expect(fn).not.toHaveBeenCalled();
    expect(added).toHaveBeenCalledWith("reaper.failed.ValidationError", "Count", 1);
  });

  it("reads bound table names, naming the variable that is missing", () => {
    expect(tableNamesFromEnv({ SST_Table_tableName_Locks: "l", SST_Table_tableName_Registry: "r" })).toEqual({ locks: "l", registry: "r" });
    expect(() => tableNamesFromEnv({ SST_Table_tableName_Locks: "l" })).toThrow(/SST_Table_tableName_Registry/);
    // A function given only the registry reads it without needing the others.
    expect(tableNameFromEnv("registry", { SST_Table_tableName_Registry: "r" })).toBe("r");
  });
});

describe("Function: lambda with a context middleware (the Heroku token)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("gives the job a typed context.herokuToken, read after validation and once per warm container", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const load = vi.fn(async () => " token-1 \n");
    const handler = lambda({ job: "reaper", schema, context: herokuToken({ load }), fn: async (input, ctx) => ({ token: ctx.herokuToken, limit: input.limit }) });
    await expect(handler({ limit: 0 } as never, context)).rejects.toBeInstanceOf(ValidationError);
    expect(load).not.toHaveBeenCalled();
    expect(await handler({ limit: 3 }, context)).toEqual({ token: "token-1", limit: 3 });
    expect(await handler({}, context)).toEqual({ token: "token-1", limit: 20 });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("fails the invocation, naming the secret, when the token cannot be read or is empty", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const fn = vi.fn(async () => "ran");
    const empty = lambda({ job: "reaper", schema, context: herokuToken({ load: async () => "  " }), fn });
    await expect(empty({}, context)).rejects.toThrow(SecretUnavailableError);
    const denied = lambda({ job: "reaper", schema, context: herokuToken({ load: async () => Promise.reject(new Error("AccessDenied")) }), fn });
    await expect(denied({}, context)).rejects.toThrow(/token could not be read \(Error: AccessDenied\)/);
    expect(fn).not.toHaveBeenCalled();
  });
});
