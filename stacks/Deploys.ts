import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SfnStateMachine } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnStateMachine, StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Function, use, type StackContext } from "sst/constructs";
import { parseInput } from "../packages/core/src/validation.js";
import { deployInput } from "../packages/core/src/deploy/input.js";
import { runningInvocationStatuses } from "../packages/core/src/deploy/taskWaits.js";
import {
  deployBatchesDefinition,
  deployFunctions,
  deployStateMachineDefinition,
  deploySubstitutions,
  type DeployFunction,
} from "../packages/core/src/deploy/stateMachine.js";
import { useTable } from "./access.js";
import { deployCommandArns, deployLoadBalancerArns, deployTargetGroupArns, describeOnly, opsworksStackArns } from "./cloudScope.js";
import { scheduleFor } from "./schedules.js";
import { Storage } from "./Storage.js";

const elb = (...actions: string[]) => actions.map((a) => `elasticloadbalancing:${a}`);
const opsworks = (...actions: string[]) => actions.map((a) => `opsworks:${a}`);
const ec2 = (...actions: string[]) => actions.map((a) => `ec2:${a}`);
const ssm = (...actions: string[]) => actions.map((a) => `ssm:${a}`);
/** ELBv2 target groups: the EC2 target's load balancers. */
const groups = (...actions: string[]) => elb("DescribeTargetGroups", "DescribeTargetHealth", ...actions);
const commandReads = ssm("ListCommands", "ListCommandInvocations", "GetCommandInvocation");

type DeployLambda = DeployFunction | "cleanup" | "deploymentEvent" | "commandEvent";

/** The callbacks that complete a waiting task; scoped to this stage's state machine below. */
const taskCallbacks = ["states:SendTaskSuccess", "states:SendTaskFailure"];

/** The cloud calls each function makes, and nothing else. */
const cloudActions: Record<DeployLambda, string[]> = {
  // It checks the ids and the batch size against the fleet before anything is locked.
  // A named SSM document is looked up too (DescribeDocument): a typo is refused before anything is locked.
  validate: [...opsworks("DescribeStacks", "DescribeLayers", "DescribeApps", "DescribeInstances"), ...ec2("DescribeInstances"), ...ssm("DescribeDocument")],
  acquireLock: [],
  prepare: [...opsworks("DescribeInstances"), ...ec2("DescribeInstances")],
  // Register too: a detach that finds its execution stopping puts the instances back.
  // Attributes and the description once per load balancer and rollout: its draining timeout and health-check timing.
  detach: [
    ...elb("DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeInstanceHealth", "DeregisterInstancesFromLoadBalancer", "RegisterInstancesWithLoadBalancer"),
    ...groups("DescribeTargetGroupAttributes", "DeregisterTargets", "RegisterTargets"),
  ],
  checkDrained: [...elb("DescribeInstanceHealth"), ...groups()],
  deploy: [...opsworks("CreateDeployment", "DescribeDeployments"), ...ssm("SendCommand"), ...commandReads],
  // Records the task token; completes the task itself when the deployment's event came first.
  awaitDeployment: taskCallbacks,
  checkDeployment: [...opsworks("DescribeDeployments"), ...commandReads],
  // Describe first: a repeated attach leaves registered instances alone.
  attach: [...elb("DescribeLoadBalancers", "RegisterInstancesWithLoadBalancer"), ...groups("RegisterTargets")],
  checkInService: [...elb("DescribeInstanceHealth"), ...groups()],
  finish: [],
  recover: [...elb("DescribeLoadBalancers", "RegisterInstancesWithLoadBalancer"), ...groups("RegisterTargets")],
  cleanup: [...elb("DescribeLoadBalancers", "RegisterInstancesWithLoadBalancer"), ...groups("RegisterTargets")],
  deploymentEvent: taskCallbacks,
  commandEvent: taskCallbacks,
};

/** Describe calls take no resource in IAM; changes are scoped to the stage's stacks and load balancers. */
const readOnly = /:(Describe|List|Get)/;
/** ELBv2's target registration calls: scoped to target groups, not to classic load balancers. */
const targetChanges = /^elasticloadbalancing:(Register|Deregister)Targets$/;
function scoped(actions: string[], machineArns: string[]): PolicyStatement[] {
  const reads = actions.filter((a) => readOnly.test(a));
  const callbacks = actions.filter((a) => a.startsWith("states:"));
  const elbChanges = actions.filter((a) => a.startsWith("elasticloadbalancing:") && !readOnly.test(a) && !targetChanges.test(a));
  const groupChanges = actions.filter((a) => targetChanges.test(a));
  const commands = actions.filter((a) => a === "ssm:SendCommand");
  const opsworksChanges = actions.filter((a) => a.startsWith("opsworks:") && !readOnly.test(a));
  return [
    ...(reads.length > 0 ? [describeOnly(reads)] : []),
    ...(elbChanges.length > 0 ? [new PolicyStatement({ actions: elbChanges, resources: deployLoadBalancerArns() })] : []),
    ...(groupChanges.length > 0 ? [new PolicyStatement({ actions: groupChanges, resources: deployTargetGroupArns() })] : []),
    ...(commands.length > 0 ? [new PolicyStatement({ actions: commands, resources: deployCommandArns() })] : []),
    ...(opsworksChanges.length > 0 ? [new PolicyStatement({ actions: opsworksChanges, resources: opsworksStackArns() })] : []),
    ...(callbacks.length > 0 ? [new PolicyStatement({ actions: callbacks, resources: machineArns })] : []),
  ];
}

const descriptions: Record<DeployLambda, string> = {
  validate: "Rolling deploy: validates the execution input against the fleet, naming a bad field",
  acquireLock: "Rolling deploy: takes the fenced deploy lock for the execution",
  prepare: "Rolling deploy: lists the layer's instances and plans batches",
  detach: "Rolling deploy: detaches a batch, never the last instance in service",
  checkDrained: "Rolling deploy: polls connection draining",
  deploy: "Rolling deploy: starts the batch's deployment",
  awaitDeployment: "Rolling deploy: records the task token that waits for the batch's deployment event",
  checkDeployment: "Rolling deploy: checks the deployment once when its event is late or says it failed",
  attach: "Rolling deploy: reattaches the batch where it was detached",
  checkInService: "Rolling deploy: polls health checks",
  finish: "Rolling deploy: records success and releases the lock",
  recover: "Rolling deploy: reattaches and releases the lock after a failure",
  cleanup: "Rolling deploy: cleans up an aborted, timed-out or failed execution",
  deploymentEvent: "Rolling deploy: completes the task waiting for an OpsWorks deployment from its state-change event",
  commandEvent: "Rolling deploy: completes the task waiting for a batch's SSM command from its instances' status-change events",
};

/**
 * The rolling deploy: one Lambda per task with only the calls it makes, the state
 * machine built from the shared ASL module with the Lambda ARNs substituted, a rule that
 * cleans up after executions that stop short, and an optional per-stage schedule.
 */
export function Deploys({ stack, app }: StackContext) {
  const tables = use(Storage);
  // Named, so permissions can name them without depending on them (the machines depend on the functions).
  const arnOf = (resource: "stateMachine" | "execution", resourceName: string) =>
    Stack.of(stack).formatArn({ service: "states", resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const machineName = app.logicalPrefixedName("deploy");
  const batchesName = app.logicalPrefixedName("deploy-batches");
  // A deployment's task token belongs to the execution whose task waits: a run of batches.
  const machineArns = [arnOf("stateMachine", machineName), arnOf("stateMachine", batchesName)];
  const make = (key: DeployLambda) => {
    const fn = new Function(stack, `Deploy${key.charAt(0).toUpperCase()}${key.slice(1)}`, {
      handler: `packages/functions/src/deploy/${key}.handler`,
      description: descriptions[key],
      // A task's Lambda never waits; the Task state's 120 s timeout covers this with room.
      timeout: "60 seconds",
      permissions: scoped(cloudActions[key], machineArns),
    });
    // The command-event function reads and writes task waits (registry) only.
    if (key !== "validate" && key !== "commandEvent") useTable(fn, tables.locks);
    if (key !== "validate") useTable(fn, tables.registry);
    return fn;
  };
  const functions = Object.fromEntries(deployFunctions.map((key) => [key, make(key)])) as Record<DeployFunction, Function>;
  const cleanup = make("cleanup");
  const deploymentEvent = make("deploymentEvent");
  const commandEvent = make("commandEvent");

  const role = new Role(stack, "DeployStateMachineRole", { assumedBy: new ServicePrincipal("states.amazonaws.com") });
  for (const fn of Object.values(functions)) fn.grantInvoke(role);
  // The runs of batches: the parent starts one per 25 batches and waits for it (startExecution.sync:2).
  const batches = new CfnStateMachine(stack, "DeployBatchesStateMachine", {
    stateMachineName: batchesName,
    stateMachineType: "STANDARD",
    roleArn: role.roleArn,
    definitionString: JSON.stringify(deployBatchesDefinition()),
    definitionSubstitutions: deploySubstitutions((fn) => functions[fn].functionArn),
  });
  batches.node.addDependency(role);
  role.addToPolicy(new PolicyStatement({ actions: ["states:StartExecution"], resources: [arnOf("stateMachine", batchesName)] }));
  role.addToPolicy(new PolicyStatement({ actions: ["states:DescribeExecution", "states:StopExecution"], resources: [arnOf("execution", `${batchesName}:*`)] }));
  // How Step Functions learns that a child execution ended (its managed rule).
  role.addToPolicy(
    new PolicyStatement({
      actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      resources: [Stack.of(stack).formatArn({ service: "events", resource: "rule", resourceName: "StepFunctionsGetEventsForStepFunctionsExecutionRule" })],
    }),
  );
  const machine = new CfnStateMachine(stack, "DeployStateMachine", {
    stateMachineName: machineName,
    stateMachineType: "STANDARD",
    roleArn: role.roleArn,
    definitionString: JSON.stringify(deployStateMachineDefinition()),
    definitionSubstitutions: deploySubstitutions((fn) => functions[fn].functionArn, batches.attrArn),
  });
  machine.node.addDependency(role);

  new Rule(stack, "DeployStoppedRule", {
    description: "Runs the deploy cleanup when an execution is aborted, times out or fails",
    eventPattern: {
      source: ["aws.states"],
      detailType: ["Step Functions Execution Status Change"],
      detail: { status: ["ABORTED", "TIMED_OUT", "FAILED"], stateMachineArn: [machine.attrArn] },
    },
    targets: [new LambdaFunction(cleanup, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
  });

  // OpsWorks publishes deployment state changes to the default bus; each completes the task waiting for that deployment.
  new Rule(stack, "DeploymentEventRule", {
    description: "Completes the rolling deploy's wait for an OpsWorks deployment when its state changes",
    eventPattern: { source: ["aws.opsworks"], detailType: ["OpsWorks Deployment State Change"], detail: { status: ["successful", "failed"] } },
    targets: [new LambdaFunction(deploymentEvent, { retryAttempts: 8, maxEventAge: Duration.hours(1) })],
  });

  // SSM publishes each command invocation's status changes; the final ones complete the task waiting for the batch's command.
  new Rule(stack, "CommandEventRule", {
    description: "Completes the rolling deploy's wait for an SSM command when its instances' invocations end",
    eventPattern: {
      source: ["aws.ssm"],
      detailType: ["EC2 Command Invocation Status-change Notification"],
      detail: { status: [{ "anything-but": [...runningInvocationStatuses] }] },
    },
    targets: [new LambdaFunction(commandEvent, { retryAttempts: 8, maxEventAge: Duration.hours(1) })],
  });

  const schedule = scheduleFor(app, "deploy");
  if (schedule) {
    // The scheduled input is validated when the stack is built: a typo fails the deploy of Scythe, not a 3 a.m. run.
    const raw = process.env.SCYTHE_DEPLOY_INPUT;
    if (!raw) throw new Error("SCYTHE_SCHEDULE_DEPLOY is set but SCYTHE_DEPLOY_INPUT (the execution input as JSON) is not");
    const input = parseInput(deployInput, JSON.parse(raw), "SCYTHE_DEPLOY_INPUT");
    new Rule(stack, "DeploySchedule", {
      description: "Starts the rolling deploy on this stage's schedule",
      schedule: Schedule.expression(schedule),
      targets: [
        new SfnStateMachine(StateMachine.fromStateMachineArn(stack, "ScheduledStateMachine", machine.attrArn), {
          input: RuleTargetInput.fromObject(input),
        }),
      ],
    });
  }

  stack.addOutputs({ DeployStateMachineArn: machine.attrArn });
  return { machine, batches, role, functions, cleanup, deploymentEvent, commandEvent };
}
