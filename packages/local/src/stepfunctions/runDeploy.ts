import { randomUUID } from "node:crypto";
// aws-local-stepfunctions calls Promise.withResolvers (Node 22+); `engines` promises Node 20.
import "core-js/actual/promise/with-resolvers.js";
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { deployStateMachineDefinition, deploySubstitutions, deployTasks, deployWaits, type DeployFunction, type DeployServices, type DeployTaskState, type DeployWaitState } from "@scythe/core/deploy";
import { asLambdaTask, type LambdaHandler } from "./lambdaInvoke.js";
import { loadDeployHandlers } from "./loadHandlers.js";
import { HistoryCounter, historyEventLimit, historyLimitCause, historyLimitError } from "./history.js";
import { substitute } from "./substitute.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type LocalTask = (input: Json) => Promise<Json>;

export type ExecutionStatus = "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";

export interface LocalExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** States entered, as Step Functions bills them (a retry is another transition). */
  readonly transitions: number;
  readonly retries: number;
  /** Events in the execution's history, counted as Step Functions records them (quota: 25,000). */
  readonly historyEvents: number;
  /** State name → times entered. */
  readonly entered: Readonly<Record<string, number>>;
  readonly wallMs: number;
  /** What the status-change rule's cleanup did (FAILED, ABORTED, TIMED_OUT). */
  readonly cleanup?: unknown;
}

export interface LocalExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly result: Promise<LocalExecutionResult>;
  /** StopExecution: the execution ends ABORTED; in-flight tasks finish on their own, as Lambdas do. */
  abort(): void;
}

export interface LocalDeployOptions {
  readonly services: DeployServices;
  readonly name?: string;
  /** Real ms each Wait state lasts: one value for all, or per state. Default: the seconds in the input. */
  readonly waitMs?: number | Partial<Record<DeployWaitState, number>>;
  /** Real ms between Retry attempts (default 20). */
  readonly retryIntervalMs?: number;
  /** Invoke the cleanup function on FAILED, ABORTED and TIMED_OUT, as the EventBridge rule does (default true). */
  readonly statusChangeRule?: boolean;
  /** Wraps a task's invocation (tests use it to make a Lambda fail). */
  readonly wrapTask?: (state: DeployTaskState, task: LocalTask) => LocalTask;
  readonly onStateEntered?: (state: string) => void;
  /** The history quota to enforce (default AWS's 25,000; tests lower it to reach it quickly). */
  readonly historyLimit?: number;
}

export const localAccount = "000000000000";
export const localStateMachineArn = `arn:aws:states:us-east-1:${localAccount}:stateMachine:scythe-local-deploy`;
const functionArn = (fn: DeployFunction) => `arn:aws:lambda:us-east-1:${localAccount}:function:scythe-local-deploy-${fn}`;

/** The deployed definition with the local ARNs substituted, as Step Functions would hold it. */
export function localDeployDefinition(): StateMachineDefinition {
  return substitute(deployStateMachineDefinition(), deploySubstitutions(functionArn)) as unknown as StateMachineDefinition;
}

/**
 * Runs the rolling deploy's very definition with aws-local-stepfunctions: each Task state
 * is mapped to its handler in-process, Wait states are shortened, and when the execution
 * stops short the cleanup function runs as the status-change rule would invoke it.
 */
export async function startLocalDeploy(input: unknown, options: LocalDeployOptions): Promise<LocalExecution> {
  const name = options.name ?? `local-${randomUUID()}`;
  const executionArn = `arn:aws:states:us-east-1:${localAccount}:execution:scythe-local-deploy:${name}`;
  const { handlers, cleanup } = await loadDeployHandlers(() => options.services);
  const taskResourceLocalHandlers = Object.fromEntries(
    (Object.entries(deployTasks) as [DeployTaskState, DeployFunction][]).map(([state, fn]) => {
      const task = asLambdaTask(`scythe-local-deploy-${fn}`, handlers[fn]);
      return [state, options.wrapTask ? options.wrapTask(state, task) : task];
    }),
  );
  const waitTimeOverrides: Record<string, number> = {};
  for (const state of Object.keys(deployWaits) as DeployWaitState[]) {
    const ms = typeof options.waitMs === "number" ? options.waitMs : options.waitMs?.[state];
    if (ms !== undefined) waitTimeOverrides[state] = ms;
  }
  const retryMs = options.retryIntervalMs ?? 20;
  const retryIntervalOverrides = Object.fromEntries(Object.keys(deployTasks).map((state) => [state, retryMs]));

  const machine = new StateMachine(localDeployDefinition());
  const json = JSON.parse(JSON.stringify(input ?? null)) as Json;
  const started = Date.now();
  const run = machine.run(json, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: { Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${localAccount}:role/scythe-local` } },
  });

  const entered: Record<string, number> = {};
  let retries = 0;
  // Step Functions fails an execution whose history would pass its quota; so does the local runner.
  const history = new HistoryCounter(options.historyLimit ?? historyEventLimit);
  let historyFull = false;
  const counting = (async () => {
    for await (const event of run.eventLogs) {
      if (!historyFull && !history.add(event)) {
        historyFull = true;
        run.abort();
      }
      if (event.type === "StateEntered") {
        entered[event.state.name] = (entered[event.state.name] ?? 0) + 1;
        options.onStateEntered?.(event.state.name);
      } else if (event.type === "StateRetried") retries += 1;
    }
  })();

  const result = (async (): Promise<LocalExecutionResult> => {
    const settled = await run.result.then(
      (output) => ({ status: "SUCCEEDED" as const, output }),
      (error: unknown) => stopped(error),
    );
    await counting.catch(() => undefined);
    const outcome = historyFull ? { status: "FAILED" as const, error: historyLimitError, cause: historyLimitCause } : settled;
    const wallMs = Date.now() - started;
    const transitions = Object.values(entered).reduce((a, b) => a + b, 0) + retries;
    const base = { executionArn, name, ...outcome, transitions, retries, historyEvents: history.events + (historyFull ? 1 : 0), entered: { ...entered }, wallMs };
    if (outcome.status === "SUCCEEDED" || options.statusChangeRule === false) return base;
    const event = {
      version: "0",
      id: randomUUID(),
      source: "aws.states",
      "detail-type": "Step Functions Execution Status Change",
      account: localAccount,
      region: "us-east-1",
      time: new Date().toISOString(),
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: localStateMachineArn,
        name,
        status: outcome.status,
        input: JSON.stringify(json),
        ...("error" in outcome && { error: outcome.error, cause: outcome.cause }),
      },
    };
    const report = await asLambdaTask("scythe-local-deploy-cleanup", cleanup)(event as unknown as Json).catch((error: unknown) => ({
      cleanupFailed: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }));
    return { ...base, cleanup: report };
  })();

  return { executionArn, name, result, abort: () => run.abort() };
}

function stopped(error: unknown): { status: ExecutionStatus; error?: string; cause?: string } {
  if (error instanceof ExecutionAbortedError) return { status: "ABORTED" };
  if (error instanceof ExecutionTimeoutError) return { status: "TIMED_OUT", error: "States.Timeout" };
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { status: "FAILED", error: error.cause.name, cause: error.cause.message };
  }
  return { status: "FAILED", error: error instanceof Error ? error.name : "Error", cause: String(error) };
}

export type { LambdaHandler };
