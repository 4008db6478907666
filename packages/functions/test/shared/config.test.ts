import { describe, expect, it } from "vitest";
import { ValidationError } from "@scythe/core/errors";
import { readConfig } from "../../src/shared/config.js";
import { leasesFromEnv } from "../../src/shared/leases.js";

const tables = { SST_Table_tableName_Locks: "locks", SST_Table_tableName_Registry: "registry" };

describe("Function: readConfig (the functions' environment, read once per cold start)", () => {
  it("applies the defaults and treats an empty variable as unset", () => {
    const config = readConfig({ HEROKU_API_URL: "", SCYTHE_OPSWORKS_STACKS: " , " });
    expect(config).toMatchObject({ HEROKU_API_URL: "https://api.heroku.com", SCYTHE_REAPER_RESERVE: 300, SCYTHE_REAPER_CONCURRENCY: 4 });
    expect(config.SCYTHE_OPSWORKS_STACKS).toBeUndefined();
    expect(readConfig({ SCYTHE_OPSWORKS_STACKS: "a, b" }).SCYTHE_OPSWORKS_STACKS).toEqual(["a", "b"]);
  });

  it.each([
    ["SCYTHE_EXPIRY_INLINE_LIMIT", "many"],
    ["SCYTHE_REAPER_CONCURRENCY", "65"],
    ["SCYTHE_REAPER_RESERVE", "-1"],
    ["HEROKU_API_URL", "api.heroku.com"],
  ])("refuses %s=%s, naming the variable", (variable, value) => {
    const error = (() => {
      try {
        readConfig({ [variable]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(variable);
  });

  it("names a table the stack did not bind only when it is asked for", () => {
    const config = readConfig({ SST_Table_tableName_Registry: "registry" });
    expect(config.table("registry")).toBe("registry");
    expect(() => config.table("locks")).toThrow(expect.objectContaining({ field: "SST_Table_tableName_Locks" }));
  });

  it("a lease function with a malformed inline limit fails at cold start, naming it (it used to run with NaN)", () => {
    expect(() => leasesFromEnv({ ...tables, SCYTHE_EXPIRY_INLINE_LIMIT: "many" })).toThrow(expect.objectContaining({ field: "SCYTHE_EXPIRY_INLINE_LIMIT" }));
  });
});
