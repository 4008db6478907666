import { describe, expect, it } from "vitest";
import { conflictStrategies } from "@scythe/core/reaper";
import { scytheInProcess } from "../../../../test/support/inProcess.js";
import { onConflictChoices } from "../../src/cli/commands/reap.js";

/** Option values that are checked while commander parses are bad input like any other: exit 2, the option named. */
describe("CLI: options checked during parsing", () => {
  it.each([["bogus"], ["nightly=rate(1 day)"], ["reaper=hourly"]])("`cost --schedule %s` exits 2 naming --schedule, before any world starts", async (schedule) => {
    const result = await scytheInProcess(["cost", "--fleet", "1", "--schedule", schedule, "--json"], {});
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { field: "--schedule" } });
    expect(result.stderr).toMatch(/--schedule/);
    expect(result.stderr).not.toMatch(/starting a fresh local world/);
  });

  it("`reap --on-conflict` lists the strategies the reaper takes (its help names them without loading the core)", () => {
    expect([...onConflictChoices]).toEqual([...conflictStrategies]);
  });
});
