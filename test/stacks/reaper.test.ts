import { Match, type Template } from "aws-cdk-lib/assertions";
import { use, type StackContext } from "sst/constructs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { reaperJobs } from "../../stacks/janitor/reaper.js";
import { Storage } from "../../stacks/Storage.js";
import { iamActions, synth } from "../support/stacks.js";

/** A throwaway stack holding only the reaper. */
function ReaperOnly({ stack, app }: StackContext) {
  return reaperJobs(stack, use(Storage), app);
}

function ReaperWithOptions({ stack, app }: StackContext) {
  return reaperJobs(stack, use(Storage), app, { namespace: "^review-[0-9]+$", reserve: 500 });
}

let template: Template;
beforeAll(async () => {
  template = await synth(ReaperOnly);
});
afterEach(() => {
  delete process.env.SCYTHE_SCHEDULE_REAPER;
});

const reaperFunction = (t: Template) =>
  Object.values(t.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp("Hatchet's reaper") } }));

describe("Stack: reaper", () => {
  it("deploys the reaper Lambda on nodejs22.x with the lock table and the HerokuToken secret", () => {
    const [fn, ...others] = reaperFunction(template);
    expect(others).toHaveLength(0);
    expect(fn?.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Environment: { Variables: { SST_Table_tableName_Locks: expect.anything(), SST_Secret_value_HerokuToken: "__FETCH_FROM_SSM__" } },
    });
    expect(fn?.Properties.Environment.Variables.SST_Table_tableName_Registry).toBeUndefined();
  });

  it("runs every 10 minutes on prod with an empty payload, on the schedule a stage sets, and not at all when off", async () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(10 minutes)",
      Targets: [Match.objectLike({ Input: "{}" })],
    });
    process.env.SCYTHE_SCHEDULE_REAPER = "cron(0/5 * * * ? *)";
    (await synth(ReaperOnly, "staging")).hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "cron(0/5 * * * ? *)" });
    process.env.SCYTHE_SCHEDULE_REAPER = "off";
    expect(Object.keys((await synth(ReaperOnly, "staging")).findResources("AWS::Events::Rule"))).toEqual([]);
  });

  it("stays off on a development stage unless asked for", async () => {
    expect(Object.keys((await synth(ReaperOnly, "dev-alice")).findResources("AWS::Events::Rule"))).toEqual([]);
  });

  it("passes the stage's namespace and reserve to the function", async () => {
    const [fn] = reaperFunction(await synth(ReaperWithOptions));
    expect(fn?.Properties.Environment.Variables).toMatchObject({ SCYTHE_REAPER_NAMESPACE: "^review-[0-9]+$", SCYTHE_REAPER_RESERVE: "500" });
  });

  it.each(["..", "^[a-z][a-z0-9-]*$"])("refuses a stage namespace /%s/ that could take a production app, when the stage is built", async (namespace) => {
    function Broad({ stack, app }: StackContext) {
      return reaperJobs(stack, use(Storage), app, { namespace });
    }
    await expect(synth(Broad)).rejects.toThrow(/namespace: .*literal prefix|namespace: .*must start with \^/);
  });

  it("grants the lock table's data actions and reading its secret only: no wildcard action", () => {
    const actions = iamActions(template);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(["dynamodb:UpdateItem", "dynamodb:GetItem", "ssm:GetParameters"]));
    expect(actions).not.toContain("dynamodb:DeleteTable");
    const statements = Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const ssm = statements.find((s) => [s.Action].flat().includes("ssm:GetParameters"));
    const resources = JSON.stringify(ssm?.Resource);
    expect(resources).toMatch(/parameter\/sst\/scythe\/\w+\/Secret\/HerokuToken\/value/);
    expect(resources).toMatch(/parameter\/sst\/scythe\/\.fallback\/Secret\/HerokuToken\/value/);
  });
});
