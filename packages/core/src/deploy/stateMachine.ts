/**
 * The rolling deploy as Amazon States Language (JSONPath): data, built here only. The
 * stack deploys it with `definitionSubstitutions` for the `${...}` Lambda ARNs; the
 * local runner substitutes them itself and runs each Task's handler in-process.
 * No Lambda ever sleeps. A deployment is waited for by its event (a `.waitForTaskToken`
 * task the deployment-event function completes); draining by one Wait as long as the load
 * balancer's own draining timeout; health with a backoff bounded by its health-check settings.
 */
import { deployIntentMs, retryableDeployErrors } from "./errors.js";
import { waitFailedError } from "./taskWaits.js";

/** The Lambda functions behind the tasks, by key; each has its own (narrow) permissions. */
export const deployFunctions = [
  "validate",
  "acquireLock",
  "prepare",
  "detach",
  "checkDrained",
  "deploy",
  "awaitDeployment",
  "checkDeployment",
  "attach",
  "checkInService",
  "finish",
  "recover",
] as const;
export type DeployFunction = (typeof deployFunctions)[number];

/** The substitution variable for a function's ARN, e.g. `DetachFunctionArn`. */
export const arnVariable = (fn: DeployFunction) => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}FunctionArn`;

/** Task state name → the function it invokes. */
export const deployTasks = {
  Validate: "validate",
  AcquireLock: "acquireLock",
  Prepare: "prepare",
  Detach: "detach",
  CheckDrained: "checkDrained",
  Deploy: "deploy",
  AwaitDeployment: "awaitDeployment",
  CheckDeployment: "checkDeployment",
  Attach: "attach",
  CheckInService: "checkInService",
  Finish: "finish",
  Recover: "recover",
} as const satisfies Record<string, DeployFunction>;
export type DeployTaskState = keyof typeof deployTasks;

/** Wait state name → what it waits for (the lock at `pollSeconds.lock`; the others as long as the batch says). */
export const deployWaits = {
  WaitForLock: "lock",
  WaitForDrain: "drain",
  WaitForHealth: "health",
} as const;

/** The callback task states (`.waitForTaskToken`): the Lambda records the token and returns; an event completes the task. */
export const deployCallbackTasks = ["AwaitDeployment"] as const satisfies readonly DeployTaskState[];

/**
 * How long a deployment is waited for without news before one direct check, by default:
 * the cost of a lost event. The input's `heartbeatSeconds` sets it per rollout (the task
 * reads it by HeartbeatSecondsPath). The lock's lease must outlast it (nothing renews the
 * lease while waiting): the default lease of 300 s outlasts the default.
 */
export const deployHeartbeatSeconds = 120;
export type DeployWaitState = keyof typeof deployWaits;

/** Errors Lambda itself raises that are always worth another attempt. */
const lambdaTransient = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.Unknown",
];

const retry = (errors: readonly string[], maxAttempts: number) => [
  { ErrorEquals: [...errors], IntervalSeconds: 2, MaxAttempts: maxAttempts, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL" },
];

/** After the lock is held every failure goes to Recover, which reattaches and releases. */
const toRecover = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Recover" }];
/**
 * In a run of batches, a failure ends the run with the error in its output (BatchFailed):
 * the parent reads it there and recovers. Not by failing the child: the parent would get the
 * child's error only inside the cause of States.TaskFailed, a description that repeats the
 * child's whole input (the plan) and is cut at 32,768 characters, so past a few hundred
 * instances the deployment's name would be lost.
 */
const toBatchFailed = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "BatchFailed" }];

type State = Record<string, unknown>;

function task(name: DeployTaskState, fields: State): State {
  return {
    Type: "Task",
    Resource: `\${${arnVariable(deployTasks[name])}}`,
    TimeoutSeconds: 120,
    ...fields,
  };
}

const underLock = { "config.$": "$.config", "lock.$": "$.lock", "rollout.$": "$.rollout" };

/** A second delivery of Deploy waits for the first one's deployment, past the intent's lifetime if that one crashed. */
const pendingDeployment = {
  ErrorEquals: ["DeploymentPendingError"],
  IntervalSeconds: 10,
  MaxAttempts: Math.ceil(deployIntentMs / 10_000) + 3,
  BackoffRate: 1,
};

/** In the parent, a failure after the lock goes to Recover; in a batches execution it fails that execution, and the parent recovers. */
type Scope = "parent" | "batches";

function rolloutTask(name: DeployTaskState, next: string, scope: Scope = "parent"): State {
  return task(name, {
    Parameters: underLock,
    ResultPath: "$.rollout",
    Retry: [...(name === "Deploy" ? [pendingDeployment] : []), ...retry([...lambdaTransient, ...retryableDeployErrors], 6)],
    Catch: scope === "parent" ? toRecover : toBatchFailed,
    Next: next,
  });
}

function wait(name: DeployWaitState, next: string): State {
  const seconds = name === "WaitForLock" ? `$.config.pollSeconds.${deployWaits[name]}` : "$.rollout.current.waitSeconds";
  return { Type: "Wait", SecondsPath: seconds, Next: next };
}

/**
 * Waits for the batch's deployment by its event: the Lambda records the task token under
 * the deployment id and returns; the deployment-event function completes the task with the
 * outcome. No news within the heartbeat (a lost event), a failure, or the backstop timeout
 * go to one direct check (CheckDeployment), which goes on waiting, proceeds, or fails the rollout.
 */
function awaitDeploymentTask(scope: Scope): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
    Parameters: {
      FunctionName: `\${${arnVariable("awaitDeployment")}}`,
      Payload: { ...underLock, "taskToken.$": "$$.Task.Token" },
    },
    // The rollout's own heartbeat (input `heartbeatSeconds`, default deployHeartbeatSeconds).
    HeartbeatSecondsPath: "$.config.heartbeatSeconds",
    TimeoutSeconds: 24 * 3600,
    // The callback's output (the deployment's id and status) lands beside the rollout, which stays as Deploy left it.
    ResultPath: "$.deployment",
    Retry: retry([...lambdaTransient, ...retryableDeployErrors], 6),
    Catch: [
      { ErrorEquals: ["States.HeartbeatTimeout", "States.Timeout", waitFailedError], ResultPath: "$.wake", Next: "CheckDeployment" },
      ...(scope === "parent" ? toRecover : toBatchFailed),
    ],
    Next: "Attach",
  };
}

const ready = { Variable: "$.rollout.current.ready", BooleanEquals: true };
const done = { Variable: "$.rollout.done", BooleanEquals: true };

export interface DeployDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Record<string, State>;
}

/**
 * Batches one execution rolls before handing on to the next: with about 45 history events
 * per batch, a batches execution stays near 1,100 events however slow its load balancers,
 * and the parent adds 10 events per 25 batches (see README, "Bounded history").
 */
export const deployBatchesPerExecution = 25;

/** The substitution variable for the batches state machine's ARN (the parent starts it). */
export const batchesArnVariable = "DeployBatchesStateMachineArn";

/** The states that roll one batch, from Detach to in service; `afterBatch` is where a ready batch goes. */
function batchStates(scope: Scope, inService: State): Record<string, State> {
  return {
    // Detach says how long the load balancers drain (0 when the batch leaves none): one Wait, one check.
    Detach: rolloutTask("Detach", "WaitForDrain", scope),
    WaitForDrain: wait("WaitForDrain", "CheckDrained"),
    CheckDrained: rolloutTask("CheckDrained", "Drained", scope),
    Drained: { Type: "Choice", Choices: [{ ...ready, Next: "Deploy" }], Default: "WaitForDrain" },
    Deploy: rolloutTask("Deploy", "AwaitDeployment", scope),
    AwaitDeployment: awaitDeploymentTask(scope),
    CheckDeployment: rolloutTask("CheckDeployment", "Deployed", scope),
    Deployed: { Type: "Choice", Choices: [{ ...ready, Next: "Attach" }], Default: "AwaitDeployment" },
    // Attach says when the first health check is due (HealthyThreshold × Interval).
    Attach: rolloutTask("Attach", "WaitForHealth", scope),
    WaitForHealth: wait("WaitForHealth", "CheckInService"),
    CheckInService: rolloutTask("CheckInService", "InService", scope),
    InService: inService,
  };
}

/**
 * The batches execution: rolls batches `$.rollout.index` up to `$.until` (or the last), then
 * ends with `{ rollout }` as its output. A task's failure ends it with `{ rollout, error }`
 * (the task's own error and cause); the parent then recovers (reattach, release) and fails
 * naming that error. Only what no Catch takes (its history quota, a timeout, an abort) fails it.
 */
export function deployBatchesDefinition(): DeployDefinition {
  const sliceDone = { Or: [done, { Variable: "$.rollout.index", NumericGreaterThanEqualsPath: "$.until" }] };
  return {
    Comment: "Scythe rolling deploy, a run of batches: per batch detach (never the last in service), drain, deploy, reattach, wait in service. Started by the rolling deploy, which holds the lock and recovers on failure.",
    StartAt: "Detach",
    TimeoutSeconds: 7 * 24 * 3600,
    States: {
      ...batchStates("batches", {
        Type: "Choice",
        Choices: [
          { And: [ready, sliceDone], Next: "BatchesDone" },
          { ...ready, Next: "Detach" },
        ],
        Default: "WaitForHealth",
      }),
      BatchesDone: { Type: "Pass", Parameters: { "rollout.$": "$.rollout" }, End: true },
      BatchFailed: { Type: "Pass", Parameters: { "rollout.$": "$.rollout", "error.$": "$.error" }, End: true },
    },
  };
}

export function deployStateMachineDefinition(): DeployDefinition {
  return {
    Comment: "Scythe rolling deploy: under a fenced lock, per batch detach (never the last in service), drain, deploy, reattach, wait in service; reattach and release on any failure.",
    StartAt: "Validate",
    // A backstop only: every phase has its own deadline. On timeout the cleanup rule reattaches.
    TimeoutSeconds: 7 * 24 * 3600,
    States: {
      Validate: task("Validate", {
        Parameters: { "input.$": "$", "executionId.$": "$$.Execution.Id", "startedAt.$": "$$.Execution.StartTime" },
        // The state becomes `{ config }` (no ResultPath: the result replaces the input); the
        // raw input stays in the execution's history only.
        ResultSelector: { "config.$": "$" },
        // It reads the fleet (are the ids real, is the batch no larger than the layer): retry what is transient.
        Retry: retry([...lambdaTransient, ...retryableDeployErrors], 3),
        Next: "AcquireLock",
      }),
      AcquireLock: task("AcquireLock", {
        Parameters: { "config.$": "$.config" },
        ResultPath: "$.lock",
        Retry: retry([...lambdaTransient, ...retryableDeployErrors], 6),
        Next: "LockAcquired",
      }),
      LockAcquired: {
        Type: "Choice",
        Choices: [{ Variable: "$.lock.acquired", BooleanEquals: true, Next: "Prepare" }],
        Default: "WaitForLock",
      },
      WaitForLock: wait("WaitForLock", "AcquireLock"),
      Prepare: task("Prepare", {
        Parameters: { "config.$": "$.config", "lock.$": "$.lock" },
        ResultPath: "$.rollout",
        Retry: retry([...lambdaTransient, ...retryableDeployErrors], 6),
        Catch: toRecover,
        Next: "MoreBatches",
      }),
      MoreBatches: { Type: "Choice", Choices: [{ ...done, Next: "Finish" }], Default: "RollBatches" },
      // The next run of batches, as a child execution with its own history: the parent's grows
      // by 10 events per run whatever the layer's size. A retried start finds the child by its name.
      RollBatches: {
        Type: "Task",
        Resource: "arn:aws:states:::states:startExecution.sync:2",
        Parameters: {
          StateMachineArn: `\${${batchesArnVariable}}`,
          "Name.$": "States.Format('{}-{}', States.Hash($$.Execution.Id, 'SHA-1'), $.rollout.index)",
          Input: {
            ...underLock,
            "until.$": `States.MathAdd($.rollout.index, ${deployBatchesPerExecution})`,
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
          },
        },
        // As long as the run of batches may itself last. Without it the States Language's default
        // (60 s, which aws-local-stepfunctions applies) failed any run of batches longer than a
        // minute with States.Timeout: a rollout at a slow time scale, or 10 batches of 100 under load.
        TimeoutSeconds: deployBatchesDefinition().TimeoutSeconds,
        ResultSelector: { "output.$": "$.Output" },
        ResultPath: "$.batches",
        Retry: retry(["StepFunctions.SdkClientException", "StepFunctions.AWSStepFunctionsException", "StepFunctions.ExecutionLimitExceededException"], 6),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "BatchesStopped" }],
        Next: "BatchesRolled",
      },
      // A run that stopped at a failed task says so in its output: recover with that task's error.
      BatchesRolled: { Type: "Choice", Choices: [{ Variable: "$.batches.output.error", IsPresent: true, Next: "BatchesFailed" }], Default: "BatchesMerged" },
      BatchesFailed: { Type: "Pass", InputPath: "$.batches.output.error", ResultPath: "$.error", Next: "Recover" },
      // Only the rollout goes on: the child's output is not kept twice.
      BatchesMerged: { Type: "Pass", Parameters: { ...underLock, "rollout.$": "$.batches.output.rollout" }, Next: "MoreBatches" },
      // A child that failed outright (its history quota, a timeout): its own error is inside the cause Step Functions gives, when that cause was not cut.
      BatchesStopped: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.error.Error", StringEquals: "States.TaskFailed" },
              { Variable: "$.error.Cause", StringMatches: '*"Error":*' },
              { Variable: "$.error.Cause", StringMatches: '*"Cause":*' },
            ],
            Next: "ReadBatchesError",
          },
        ],
        Default: "Recover",
      },
      ReadBatchesError: { Type: "Pass", Parameters: { "parsed.$": "States.StringToJson($.error.Cause)" }, ResultPath: "$.batches", Next: "BatchesError" },
      BatchesError: { Type: "Pass", Parameters: { "Error.$": "$.batches.parsed.Error", "Cause.$": "$.batches.parsed.Cause" }, ResultPath: "$.error", Next: "Recover" },
      Finish: task("Finish", {
        Parameters: underLock,
        ResultPath: "$.report",
        OutputPath: "$.report",
        Retry: retry([...lambdaTransient, ...retryableDeployErrors], 6),
        Catch: toRecover,
        End: true,
      }),
      Recover: task("Recover", {
        Parameters: { "executionId.$": "$.config.executionId", "error.$": "$.error" },
        ResultPath: "$.recovery",
        Retry: retry([...lambdaTransient, ...retryableDeployErrors, "ReattachFailedError"], 6),
        // Whatever happens here, the execution fails with the error that stopped the rollout;
        // if the recovery itself failed, the status-change rule runs the cleanup again.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.recoveryError", Next: "Failed" }],
        Next: "Failed",
      }),
      Failed: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    },
  };
}

/**
 * The `${Variable}` → ARN map for `definitionSubstitutions`, given one ARN per function
 * (and, for the parent, the batches state machine's ARN).
 */
export function deploySubstitutions(arnOf: (fn: DeployFunction) => string, batchesArn?: string): Record<string, string> {
  return {
    ...Object.fromEntries(deployFunctions.map((fn) => [arnVariable(fn), arnOf(fn)])),
    ...(batchesArn !== undefined && { [batchesArnVariable]: batchesArn }),
  };
}
