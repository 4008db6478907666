import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lockName } from "../../src/lock/inputs.js";
import { deployConfig, deployInput, deployLockName } from "../../src/deploy/input.js";
import { ValidationError } from "../../src/errors.js";
import { parseInput } from "../../src/validation.js";

/** The deploy input's three shapes: flat OpsWorks ids (as before), `{opsworks}` and `{ec2}`; errors name the field. */
const refused = (raw: unknown): ValidationError => {
  try {
    parseInput(deployInput, raw);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};

/** The same tag set written in another key order. */
const sameTags = (a: object, b: object) =>
  "tags" in a && "tags" in b && JSON.stringify(Object.entries(a.tags as object).sort()) === JSON.stringify(Object.entries(b.tags as object).sort());

describe("Module: deploy input shapes", () => {
  it("keeps the flat OpsWorks input working, and reads { opsworks } as the same request", () => {
    const flat = parseInput(deployInput, { stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 2 });
    const nested = parseInput(deployInput, { opsworks: { stackId: "s-1", layerId: "l-1", appId: "a-1" }, batchSize: 2 });
    expect(nested).toEqual(flat);
    expect(flat).toMatchObject({ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 2, lockScope: "stack" });
    expect(flat.ec2).toBeUndefined();
    expect(deployLockName(flat)).toBe("deploy/stack/s-1");
  });

  it("reads { ec2 } with an Auto Scaling group and shell commands (the default document)", () => {
    const request = parseInput(deployInput, { ec2: { asg: "web-asg", commands: ["./deploy.sh"] }, batchSize: 3 });
    expect(request.ec2).toEqual({ selection: { asg: "web-asg" }, command: { commands: ["./deploy.sh"] } });
    expect(request).toMatchObject({ stackId: "ec2", layerId: "ec2", appId: "ec2", batchSize: 3 });
    expect(deployLockName(request)).toBe("deploy/ec2/asg/web-asg");
    expect(deployLockName({ ...request, lockScope: "global" })).toBe("deploy/global");
  });

  it("reads { ec2 } with tags and a named document with parameters; the lock names the tags in key order", () => {
    const request = parseInput(deployInput, { ec2: { tags: { Role: "web", Env: "prod" }, document: "Shop-Deploy", parameters: { version: ["42"] } } });
    expect(request.ec2).toEqual({ selection: { tags: { Role: "web", Env: "prod" } }, command: { document: "Shop-Deploy", parameters: { version: ["42"] } } });
    expect(deployLockName(request)).toMatch(/^deploy\/ec2\/tags\/Env_prod_Role_web-[0-9a-f]{16}$/);
    expect(deployLockName(request)).toBe(deployLockName(parseInput(deployInput, { ec2: { tags: { Env: "prod", Role: "web" }, document: "Shop-Deploy" } })));
  });

  it("names a valid lock for any Auto Scaling group name or tag set AWS allows, and a different one for a different selection (property)", () => {
    const printable = (text: string) => [...text].every((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f);
    const asgName = fc.string({ minLength: 1, maxLength: 255, unit: "grapheme" }).filter((n) => printable(n) && n.length <= 255);
    const tagSet = fc.dictionary(fc.string({ minLength: 1, maxLength: 128 }).filter(printable), fc.string({ maxLength: 256 }).filter(printable), { minKeys: 1, maxKeys: 10 });
    const selection = fc.oneof(asgName.map((asg) => ({ asg })), tagSet.map((tags) => ({ tags })));
    fc.assert(
      fc.property(selection, selection, (a, b) => {
        const name = (sel: typeof a) => deployLockName(parseInput(deployInput, { ec2: { ...sel, commands: ["true"] } }));
        expect(parseInput(lockName, name(a), "lockName")).toBe(name(a));
        if (JSON.stringify(a) !== JSON.stringify(b) && !sameTags(a, b)) expect(name(a)).not.toBe(name(b));
      }),
      { numRuns: 300 },
    );
  });

  it("carries the EC2 target through the execution's config", () => {
    const config = deployConfig({ ec2: { asg: "web-asg", commands: ["true"], executionTimeoutSeconds: 600 } }, "exec-1", 0);
    expect(config).toMatchObject({ lockName: "deploy/ec2/asg/web-asg", ec2: { command: { commands: ["true"], executionTimeoutSeconds: 600 } } });
  });

  it.each([
    [{ ec2: { commands: ["x"] } }, "ec2.asg", /exactly one of asg/],
    [{ ec2: { asg: "a", tags: { R: "w" }, commands: ["x"] } }, "ec2.tags", /exactly one of asg/],
    [{ ec2: { asg: "a" } }, "ec2.commands", /required with the AWS-RunShellScript/],
    [{ ec2: { asg: "a", commands: [] } }, "ec2.commands", /required/],
    [{ ec2: { asg: "a", document: "Shop-Deploy", commands: ["x"] } }, "ec2.commands", /named document its parameters/],
    [{ ec2: { asg: "a", commands: ["x"], parameters: { v: ["1"] } } }, "ec2.parameters", /named document/],
    [{ ec2: { tags: {}, commands: ["x"] } }, "ec2.tags", /at least one tag/],
    [{ ec2: { asg: "", commands: ["x"] } }, "ec2.asg", /empty/],
    [{ ec2: { asg: "a", commands: ["x"], extra: 1 } }, "ec2.extra", /.+/],
    [{ ec2: { asg: "a", document: "x y", parameters: {} } }, "ec2.document", /letters, digits/],
    [{ ec2: "web" }, "ec2", /object/],
    [{ ec2: { asg: "a", commands: ["x"] }, stackId: "s-1" }, "stackId", /.+/],
    [{ opsworks: { stackId: "s-1", layerId: "l 1", appId: "a-1" } }, "opsworks.layerId", /letters, digits/],
    [{ opsworks: { stackId: "s-1", layerId: "l-1" } }, "opsworks.appId", /.+/],
    [{ opsworks: { stackId: "s-1", layerId: "l-1", appId: "a-1" }, appId: "a-2" }, "appId", /.+/],
    [{ stackId: "s-1", layerId: "l-1" }, "appId", /.+/],
    [{ ec2: { asg: "a", commands: ["x"] }, batchSize: 0 }, "batchSize", /at least 1/],
  ])("refuses %j naming %s", (raw, field, message) => {
    const error = refused(raw);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("takes the deployment wait's heartbeat from the input (default 120 s), and asks a lease of at least twice the heartbeat plus 10 s, naming both fields", () => {
    const ids = { stackId: "s-1", layerId: "l-1", appId: "a-1" };
    expect(parseInput(deployInput, ids).heartbeatSeconds).toBe(120);
    expect(parseInput(deployInput, { ...ids, heartbeatSeconds: 40, leaseSeconds: 90 }).heartbeatSeconds).toBe(40);
    expect(refused({ ...ids, heartbeatSeconds: 40, leaseSeconds: 89 })).toMatchObject({ field: "leaseSeconds", message: expect.stringMatching(/at least 90 .*heartbeatSeconds \(40 s/) });
    expect(refused({ ...ids, heartbeatSeconds: 600 })).toMatchObject({ field: "leaseSeconds", message: expect.stringMatching(/at least 1210/) });
    expect(refused({ ...ids, heartbeatSeconds: 9 })).toMatchObject({ field: "heartbeatSeconds", message: expect.stringMatching(/at least 10/) });
    expect(refused({ ...ids, heartbeatSeconds: 12.5 })).toMatchObject({ field: "heartbeatSeconds" });
    expect(refused({ ec2: { asg: "web", commands: ["true"] }, heartbeatSeconds: 4000 })).toMatchObject({ field: "heartbeatSeconds", message: expect.stringMatching(/at most 3600/) });
    // The config carries it to the task that waits (HeartbeatSecondsPath $.config.heartbeatSeconds).
    expect(deployConfig({ ...ids, heartbeatSeconds: 60 }, "exec", 0).heartbeatSeconds).toBe(60);
  });
});
