import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { parseReapInput, reapDefaults, reapInput, reapSettings } from "../../src/reaper/inputs.js";
import { parseInput } from "../../src/validation.js";

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("accepted");
};

describe("Function: parseReapInput (one strict schema)", () => {
  it("names an unknown option and the options it knows", () => {
    const error = refusal(() => parseReapInput({ olderThan: 5 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: "olderThan" });
    expect((error as Error).message).toMatch(/^olderThan: is not a reaper option \(known: olderThanMinutes, limit, all, dryRun, namespace, concurrency,/);
  });

  it("a pick of it (the Lambda event) refuses the options it leaves out, listing only its own", () => {
    const event = reapInput.pick({ olderThanMinutes: true, dryRun: true });
    const error = refusal(() => parseInput(event, { namespace: ".*" }));
    expect(error).toMatchObject({ field: "namespace", message: "namespace: is not a reaper option (known: olderThanMinutes, dryRun)" });
  });

  it("settings from parsed options equal the settings parsed from the same input", () => {
    const parsed = parseReapInput({ limit: 3, dryRun: true });
    expect(reapSettings({ ...reapDefaults, limit: 3, dryRun: true })).toEqual(parsed);
    expect(parsed.ttlMs).toBe(7 * 60_000);
  });
});
