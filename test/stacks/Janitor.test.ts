import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { Janitor } from "../../stacks/Janitor.js";
import { functionActions, iamActions, synth } from "../support/stacks.js";

describe("Stack: Janitor", () => {
  it("deploys the orphan sweep on nodejs22.x with only the calls it makes", async () => {
    const template = await synth(Janitor);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Description: Match.stringLikeRegexp("owning record is gone"),
    });
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
    const actions = functionActions(template, /owning record is gone/);
    expect(actions).toEqual(expect.arrayContaining(["opsworks:StopInstance", "opsworks:DeleteInstance", "elasticloadbalancing:DeleteLoadBalancer"]));
    expect(actions).not.toContain("opsworks:CreateDeployment");
    // The sweep reads the registry; it writes only its lock (test/stacks/permissions.test.ts).
    expect(actions).toContain("dynamodb:Scan");
    // With the Heroku token secret bound, it sweeps apps too.
    expect(actions).toContain("ssm:GetParameters");
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SST_Table_tableName_Registry: Match.anyValue() }) },
    });
  });

  it("schedules the sweep hourly on a shared stage, with an explicit non-dry-run payload", async () => {
    const template = await synth(Janitor);
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 hour)",
      Targets: [Match.objectLike({ Input: JSON.stringify({ dryRun: false }) })],
    });
  });

  it("schedules no destructive sweep on a development stage, only the expiry of its own leases", async () => {
    const template = await synth(Janitor, "dev-alice");
    const rules = Object.keys(template.findResources("AWS::Events::Rule", { Properties: { ScheduleExpression: Match.anyValue() } }));
    expect(rules).toEqual([expect.stringMatching(/^LeaseExpiry/)]);
  });
});

describe("Stack: Janitor, the deallocator", () => {
  it("runs the reconciling pass on a schedule and at every deploy, and consumes record changes only", async () => {
    const template = await synth(Janitor);
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(15 minutes)",
      Targets: [Match.objectLike({ Input: JSON.stringify({ dryRun: false }) })],
    });
    template.hasResourceProperties("Custom::SSTScript", { UserParams: JSON.stringify({ dryRun: false }), Version: Match.anyValue() });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: ["record"] } } } }) }] },
    });
    const actions = functionActions(template, /marked for deletion once no live lease/);
    // It tears down apps too, with the stage's Heroku token.
    expect(actions).toEqual(expect.arrayContaining(["dynamodb:UpdateItem", "opsworks:DeleteInstance", "ssm:GetParameters"]));
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
  });
});
