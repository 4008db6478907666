import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ValidationError } from "@scythe/core";
import { lambda } from "../src/shared/lambda.js";
import { metrics } from "../src/shared/observability.js";
import { tableNameFromEnv, tableNamesFromEnv } from "../src/shared/env.js";

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
