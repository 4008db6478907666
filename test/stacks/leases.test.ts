import { Match, type Template } from "aws-cdk-lib/assertions";
import { use, type StackContext } from "sst/constructs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaseJobs } from "../../stacks/janitor/leases.js";
import { Storage } from "../../stacks/Storage.js";
import { functionActions, iamActions, synth } from "../support/stacks.js";

/** A throwaway stack holding only the lease jobs. */
function LeasesOnly({ stack, app }: StackContext) {
  return leaseJobs(stack, use(Storage), app);
}

let template: Template;
beforeAll(async () => {
  template = await synth(LeasesOnly);
});
afterEach(() => {
  delete process.env.SCYTHE_SCHEDULE_EXPIRY;
});

describe("Stack: lease jobs", () => {
  it.each([
    ["leases", "Acquires, releases and extends leases"],
    ["expiry sweep", "past their expiry"],
    ["stream worker", "a command is appended"],
    ["expiry queue consumer", "the expiry sweep fanned out"],
  ])("deploys the %s Lambda on nodejs22.x with both tables named", (_name, description) => {
    const found = Object.values(template.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp(description) } }));
    expect(found).toHaveLength(1);
    expect(found[0]?.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Environment: { Variables: { SST_Table_tableName_Locks: expect.anything(), SST_Table_tableName_Registry: expect.anything() } },
    });
  });

  it("sweeps every minute by default, and on the schedule a stage sets", async () => {
    template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(1 minute)" });
    process.env.SCYTHE_SCHEDULE_EXPIRY = "rate(5 minutes)";
    (await synth(LeasesOnly, "staging")).hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(5 minutes)" });
    process.env.SCYTHE_SCHEDULE_EXPIRY = "off";
    expect(Object.keys((await synth(LeasesOnly, "staging")).findResources("AWS::Events::Rule"))).toEqual([]);
  });

  it("feeds only new commands from the registry's stream to the worker, retrying failed items", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "LATEST",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: "cmd#" }] } } } }) }] },
    });
  });

  it("fans expiry out over an SQS queue: partial batch failures, a dead-letter queue, the sweep allowed only to send", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("LeaseExpiryQueue"), "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 100,
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [Match.stringLikeRegexp("LeaseExpiryDeadLetters"), "Arn"] }, maxReceiveCount: 5 },
    });
    const sweep = functionActions(template, /past their expiry/);
    expect(sweep).toEqual(expect.arrayContaining(["sqs:SendMessage"]));
    expect(sweep).not.toContain("sqs:ReceiveMessage");
    expect(sweep).not.toContain("sqs:DeleteMessage");
    expect(functionActions(template, /fanned out/)).toEqual(expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:UpdateItem", "dynamodb:BatchGetItem"]));
    const found = Object.values(template.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp("past their expiry") } }));
    expect(found[0]?.Properties.Environment.Variables).toHaveProperty("SCYTHE_EXPIRY_QUEUE_URL");
  });

  it("grants data actions and the teardown calls only: no wildcard action, no table management", () => {
    const actions = iamActions(template);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(["dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:GetRecords", "opsworks:StopInstance", "opsworks:DeleteInstance"]));
    expect(actions).not.toContain("dynamodb:DeleteTable");
    expect(actions).not.toContain("opsworks:CreateDeployment");
  });
});
