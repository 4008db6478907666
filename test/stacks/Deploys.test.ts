import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { arnVariable, batchesArnVariable, deployFunctions } from "../../packages/core/src/deploy/stateMachine.js";
import { Deploys } from "../../stacks/Deploys.js";
import { synth } from "../support/stacks.js";

let template: Template;

beforeAll(async () => {
  template = await synth(Deploys);
});
afterEach(() => {
  delete process.env.SCYTHE_SCHEDULE_DEPLOY;
  delete process.env.SCYTHE_DEPLOY_INPUT;
});

type Statement = { Action: string | string[]; Resource: unknown };
type Resource = { Properties: Record<string, unknown> };

/** Logical id of the Lambda whose description starts with `text` → the IAM actions its role is granted. */
function actionsOf(description: string): string[] {
  const functions = template.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp(description) } });
  const [fn] = Object.values(functions) as Resource[];
  const roleRef = JSON.stringify((fn?.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]);
  return Object.values(template.findResources("AWS::IAM::Policy") as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleRef))
    .flatMap((p) => ((p.Properties.PolicyDocument as { Statement: Statement[] }).Statement).flatMap((s) => [s.Action].flat()));
}

/** The rolling deploy's state machine (`-deploy`) or its runs of batches (`-deploy-batches`). */
function machineNamed(suffix: string): Resource {
  const found = (Object.values(template.findResources("AWS::StepFunctions::StateMachine")) as Resource[]).find((m) => String(m.Properties.StateMachineName).endsWith(suffix));
  if (!found) throw new Error(`no state machine named *${suffix}`);
  return found;
}

describe("Stack: Deploys", () => {
  it("deploys the state machine and its runs of batches from the shared definitions, with a substitution per Lambda ARN", () => {
    const machine = machineNamed("-deploy");
    const batches = machineNamed("-deploy-batches");
    for (const m of [machine, batches]) expect(m.Properties.StateMachineType).toBe("STANDARD");
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { "Fn::GetAtt": [string, string] }>;
    expect(Object.keys(substitutions).sort()).toEqual([...deployFunctions.map(arnVariable), batchesArnVariable].sort());
    for (const value of Object.values(substitutions)) expect(value["Fn::GetAtt"][1]).toBe("Arn");
    expect(substitutions[batchesArnVariable]?.["Fn::GetAtt"][0]).toMatch(/DeployBatchesStateMachine/);
    const batchSubstitutions = batches.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(batchSubstitutions).sort()).toEqual(deployFunctions.map(arnVariable).sort());
    const definition = JSON.parse(batches.Properties.DefinitionString as string) as { States: Record<string, { Resource?: string }> };
    expect(definition.States.Detach?.Resource).toBe("${DetachFunctionArn}");
    const parent = JSON.parse(machine.Properties.DefinitionString as string) as { States: Record<string, { Resource?: string }> };
    expect(parent.States.RollBatches?.Resource).toBe("arn:aws:states:::states:startExecution.sync:2");
  });

  it("completes deployment waits from OpsWorks deployment events, with callbacks allowed on this state machine only", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["aws.opsworks"], "detail-type": ["OpsWorks Deployment State Change"], detail: { status: ["successful", "failed"] } },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("DeployDeploymentEvent"), "Arn"] } })],
    });
    const names = ["-deploy", "-deploy-batches"].map((suffix) => machineNamed(suffix).Properties.StateMachineName as string);
    const callbackStatements = Object.values(template.findResources("AWS::IAM::Policy") as Record<string, Resource>)
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith("states:Send")));
    expect(callbackStatements).toHaveLength(3);
    for (const statement of callbackStatements) {
      const resources = JSON.stringify(statement.Resource);
      for (const name of names) expect(resources).toContain(`:stateMachine:${name}"`);
      expect([statement.Resource].flat()).toHaveLength(2);
    }
  });

  it("completes command waits from SSM invocation status events that are an end (not Pending, InProgress, Delayed, Cancelling), the function granted callbacks and the registry only", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.ssm"],
        "detail-type": ["EC2 Command Invocation Status-change Notification"],
        detail: { status: [{ "anything-but": ["Pending", "InProgress", "Delayed", "Cancelling"] }] },
      },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("DeployCommandEvent"), "Arn"] } })],
    });
    const actions = actionsOf("completes the task waiting for a batch's SSM command");
    expect(actions.filter((a) => !/^(dynamodb|xray):/.test(a)).sort()).toEqual(["states:SendTaskFailure", "states:SendTaskSuccess"]);
    expect(actions.filter((a) => a.startsWith("dynamodb:")).length).toBeGreaterThan(0);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("SSM command"),
      Environment: { Variables: Match.objectLike({ SST_Table_tableName_Registry: Match.anyValue() }) },
    });
    const [fn] = Object.values(template.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp("SSM command") } })) as Resource[];
    expect(Object.keys((fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables)).not.toContain("SST_Table_tableName_Locks");
  });

  it("lets the state machines invoke their Lambdas and start, watch and stop runs of batches, nothing else", () => {
    const machine = machineNamed("-deploy");
    const roleRef = JSON.stringify((machine?.Properties.RoleArn as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]);
    const actions = Object.values(template.findResources("AWS::IAM::Policy") as Record<string, Resource>)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleRef))
      .flatMap((p) => ((p.Properties.PolicyDocument as { Statement: Statement[] }).Statement).flatMap((s) => [s.Action].flat()));
    expect([...new Set(actions)].sort()).toEqual(
      ["lambda:InvokeFunction", "states:StartExecution", "states:DescribeExecution", "states:StopExecution", "events:PutTargets", "events:PutRule", "events:DescribeRule"].sort(),
    );
    expect(machineNamed("-deploy-batches").Properties.RoleArn).toEqual(machine.Properties.RoleArn);
  });

  it("gives each task only the cloud calls it makes, and no action with a wildcard", () => {
    // SST's functions trace with X-Ray by default; tables are checked below.
    const cloud = (description: string) => actionsOf(description).filter((a) => !/^(dynamodb|xray):/.test(a)).sort();
    // Each task serves both targets: OpsWorks and classic ELB, or EC2, ELBv2 target groups and SSM.
    const groups = (...more: string[]) => ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", ...more.map((a) => `elasticloadbalancing:${a}`)];
    const commandReads = ["ssm:GetCommandInvocation", "ssm:ListCommandInvocations", "ssm:ListCommands"];
    const sorted = (...actions: string[]) => [...actions].sort();
    expect(cloud("validates the execution input")).toEqual(sorted("ec2:DescribeInstances", "opsworks:DescribeApps", "opsworks:DescribeInstances", "opsworks:DescribeLayers", "opsworks:DescribeStacks", "ssm:DescribeDocument"));
    expect(actionsOf("validates the execution input").filter((a) => a.startsWith("dynamodb:"))).toEqual([]);
    expect(cloud("takes the fenced deploy lock")).toEqual([]);
    expect(cloud("lists the layer's instances")).toEqual(sorted("ec2:DescribeInstances", "opsworks:DescribeInstances"));
    expect(cloud("detaches a batch")).toEqual(
      sorted(
        "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        "elasticloadbalancing:DescribeInstanceHealth",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
        ...groups("DescribeTargetGroupAttributes", "DeregisterTargets", "RegisterTargets"),
      ),
    );
    expect(cloud("polls connection draining")).toEqual(sorted("elasticloadbalancing:DescribeInstanceHealth", ...groups()));
    expect(cloud("starts the batch's deployment")).toEqual(sorted("opsworks:CreateDeployment", "opsworks:DescribeDeployments", "ssm:SendCommand", ...commandReads));
    expect(cloud("checks the deployment once")).toEqual(sorted("opsworks:DescribeDeployments", ...commandReads));
    expect(cloud("records the task token")).toEqual(["states:SendTaskFailure", "states:SendTaskSuccess"]);
    expect(cloud("completes the task waiting for an OpsWorks deployment")).toEqual(["states:SendTaskFailure", "states:SendTaskSuccess"]);
    expect(cloud("reattaches the batch")).toEqual(sorted("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:RegisterInstancesWithLoadBalancer", ...groups("RegisterTargets")));
    expect(cloud("polls health checks")).toEqual(sorted("elasticloadbalancing:DescribeInstanceHealth", ...groups()));
    expect(cloud("cleans up an aborted")).toEqual(sorted("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:RegisterInstancesWithLoadBalancer", ...groups("RegisterTargets")));
    expect(actionsOf("takes the fenced deploy lock")).toEqual(expect.arrayContaining(["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]));
    const all = Object.values(template.findResources("AWS::IAM::Policy") as Record<string, Resource>).flatMap((p) =>
      ((p.Properties.PolicyDocument as { Statement: Statement[] }).Statement).flatMap((s) => [s.Action].flat()),
    );
    expect(all.filter((a) => a.includes("*"))).toEqual([]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("detaches a batch"),
      Runtime: "nodejs22.x",
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ SST_Table_tableName_Locks: Match.anyValue(), SST_Table_tableName_Registry: Match.anyValue() }) },
    });
  });

  it("runs the cleanup function when an execution is aborted, times out or fails", () => {
    const [rule] = Object.values(template.findResources("AWS::Events::Rule", { Properties: { EventPattern: Match.objectLike({ source: ["aws.states"] }) } })) as Resource[];
    const pattern = rule?.Properties.EventPattern as { "detail-type": string[]; detail: { status: string[]; stateMachineArn: unknown[] } };
    expect(pattern["detail-type"]).toEqual(["Step Functions Execution Status Change"]);
    expect(pattern.detail.status).toEqual(["ABORTED", "TIMED_OUT", "FAILED"]);
    expect(JSON.stringify(pattern.detail.stateMachineArn)).toContain("DeployStateMachine");
    const [target] = rule?.Properties.Targets as { Arn: { "Fn::GetAtt": string[] } }[];
    const cleanupIds = Object.keys(template.findResources("AWS::Lambda::Function", { Properties: { Description: Match.stringLikeRegexp("cleans up an aborted") } }));
    expect(cleanupIds).toContain(target?.Arn["Fn::GetAtt"][0]);
  });

  it("starts no deploy on a schedule unless the stage asks for one", () => {
    expect(Object.keys(template.findResources("AWS::Events::Rule", { Properties: { ScheduleExpression: Match.anyValue() } }))).toEqual([]);
  });

  it("starts the execution on a stage's schedule, with its input validated when the stack is built", async () => {
    process.env.SCYTHE_SCHEDULE_DEPLOY = "cron(0 3 ? * MON-FRI *)";
    process.env.SCYTHE_DEPLOY_INPUT = JSON.stringify({ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 2 });
    const scheduled = await synth(Deploys, "staging");
    const [rule] = Object.values(scheduled.findResources("AWS::Events::Rule", { Properties: { ScheduleExpression: "cron(0 3 ? * MON-FRI *)" } })) as Resource[];
    const [target] = rule?.Properties.Targets as { Input: string; Arn: unknown }[];
    expect(JSON.parse(target?.Input ?? "{}")).toMatchObject({ stackId: "s-1", batchSize: 2, migrate: true });
    expect(JSON.stringify(target?.Arn)).toContain("DeployStateMachine");

    process.env.SCYTHE_DEPLOY_INPUT = JSON.stringify({ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 0 });
    await expect(synth(Deploys, "staging")).rejects.toThrow("batchSize: must be at least 1");
  });
});
