import { BadInputError, ScytheError, UnknownIdError, ValidationError } from "@scythe/core/errors";
import { describe, expect, it } from "vitest";
import { namingOptions, OptionInputError, optionFor, withOptionName } from "../../src/cli/optionNames.js";

const names = { batchSize: "--batch", "ec2.asg": "--asg", "ec2.commands": "--command", attributes: "--attr", references: "--ref" };

describe("Function: optionFor", () => {
  it.each([
    ["batchSize", "--batch", "--batch"],
    ["ec2.asg", "--asg", "--asg"],
    ["ec2.commands.0", "--command", "--command #1"],
    ["ec2.commands.11", "--command", "--command #12"],
    ["attributes.instanceId", "--attr", "--attr instanceId"],
    ["references.0", "--ref", "--ref #1"],
  ])("names %s as %s (%s)", (field, option, subject) => {
    expect(optionFor(field, names)).toEqual({ option, subject });
  });

  it.each(["leaseSeconds", "ec2", "ec2.document", "batch", "batchSizes", "asg"])("has no option for %s", (field) => {
    expect(optionFor(field, names)).toBeUndefined();
  });
});

describe("Function: withOptionName", () => {
  it("re-labels a payload field's refusal with the option, keeping its class name and input field", () => {
    const error = withOptionName(new ValidationError("batchSize", "must be at least 1"), names);
    expect(error).toBeInstanceOf(OptionInputError);
    expect(error).toBeInstanceOf(BadInputError);
    expect(error).toMatchObject({ name: "ValidationError", field: "--batch", inputField: "batchSize", message: "--batch: must be at least 1" });
  });

  it("keeps a message that does not start with its field whole", () => {
    const error = withOptionName(new UnknownIdError("ec2.asg", "nope", `Auto Scaling group "nope" has no running instances`), names);
    expect(error).toMatchObject({ name: "UnknownIdError", field: "--asg", message: '--asg: Auto Scaling group "nope" has no running instances' });
  });

  it("leaves alone what already names an option, a field no option feeds, and anything not bad input", () => {
    const option = new ValidationError("--poll", "has no unit");
    const unmapped = new ValidationError("leaseSeconds", "must be at least 70");
    const failure = new ScytheError("batchSize: the deploy failed");
    const plain = new Error("batchSize: boom");
    for (const error of [option, unmapped, failure, plain]) expect(withOptionName(error, names)).toBe(error);
  });
});

describe("Function: namingOptions", () => {
  it("passes a result through and re-labels a thrown refusal", async () => {
    await expect(namingOptions(names, () => 42)).resolves.toBe(42);
    await expect(
      namingOptions(names, async () => {
        throw new ValidationError("ec2.commands.1", "must not be empty");
      }),
    ).rejects.toMatchObject({ field: "--command", message: "--command #2: must not be empty" });
  });
});
