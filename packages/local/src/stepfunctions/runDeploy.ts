import { randomUUID } from "node:crypto";
// aws-local-stepfunctions calls Promise.withResolvers (Node 22+); `engines` promises Node 20.
import "core-js/actual/promise/with-resolvers.js";
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { deployFunctions, deployStateMachineDefinition, deploySubstitutions, deployTasks, deployWaits, type DeployFunction, type DeployServices, type DeployTaskState, type DeployWaitState } from "@scythe/core/deploy";
import { SimControl } from "../sim/control.js";
import { LocalDeploymentEventRule } from "./eventBridge.js";
import { asLambdaTask, type LambdaHandler } from "./lambdaInvoke.js";
import { simulatorEndpointOf } from "./localServices.js";
import { CallbackAbortedError, localTaskTokens } from "./taskTokens.js";
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
  /** Real ms each Wait state lasts: one value for all, or per state. Default: its seconds at `timeScale`. */
  readonly waitMs?: number | Partial<Record<DeployWaitState, number>>;
  /**
   * Real ms per second of the state machine's time: Wait states without a `waitMs`, and the
   * HeartbeatSeconds and TimeoutSeconds of callback tasks. Default: the simulator's own time
   * scale when the services drive one (so the execution and the fleet share a clock), else 1000.
   */
  readonly timeScale?: number;
  /** Hand the simulator's OpsWorks deployment events to the deployment-event function, as the EventBridge rule does (default true). */
  readonly deploymentEvents?: boolean;
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

interface StateDef {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly ResultPath?: string | null;
  readonly HeartbeatSeconds?: number;
  readonly TimeoutSeconds?: number;
}

/** Every state of a definition, nested ones (Map, Parallel) included, by name. */
function allStates(definition: { States: Record<string, unknown> }): Map<string, StateDef> {
  const out = new Map<string, StateDef>();
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as StateDef & { ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
    out.set(name, state);
    for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (nested) for (const [n, s] of allStates(nested)) out.set(n, s);
    }
  }
  return out;
}

/** A `.waitForTaskToken` task: the callback pattern. */
const isCallback = (state: StateDef) => state.Type === "Task" && (state.Resource ?? "").endsWith(".waitForTaskToken");

function pathValue(data: unknown, path: string): unknown {
  if (path === "$") return data;
  let at: unknown = data;
  for (const key of path.replace(/^\$\.?/, "").split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function withPath(data: Record<string, unknown>, path: string | null | undefined, value: unknown): Record<string, unknown> {
  if (path === null) return data;
  if (path === undefined || path === "$") return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : data;
  const keys = path.replace(/^\$\.?/, "").split(".");
  const root: Record<string, unknown> = { ...data };
  let at = root;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) at[key] = value;
    else {
      const next = at[key];
      at[key] = next !== null && typeof next === "object" ? { ...(next as Record<string, unknown>) } : {};
      at = at[key] as Record<string, unknown>;
    }
  });
  return root;
}

/** The task token a callback task's payload carries (wherever the definition put it). */
function findToken(value: unknown): string | undefined {
  if (typeof value === "string") return localTaskTokens.isMinted(value) ? value : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const inner of Object.values(value)) {
    const found = findToken(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** One EventBridge rule stand-in per set of services, shared by the executions that use them. */
const rules = new WeakMap<DeployServices, { rule: LocalDeploymentEventRule; users: number; started: Promise<void> }>();

async function useDeploymentEventRule(services: DeployServices, endpoint: string, handler: LambdaHandler): Promise<() => Promise<void>> {
  let entry = rules.get(services);
  if (!entry) {
    const rule = new LocalDeploymentEventRule(new SimControl(endpoint), asLambdaTask("scythe-local-deploy-deploymentEvent", handler));
    entry = { rule, users: 0, started: rule.start() };
    rules.set(services, entry);
  }
  const used = entry;
  used.users += 1;
  await used.started;
  return async () => {
    used.users -= 1;
    if (used.users === 0) {
      rules.delete(services);
      await used.rule.stop();
    }
  };
}

/** The simulator's time scale (real ms per simulated second), so the execution keeps the fleet's time. */
async function simulatorTimeScale(endpoint: string | undefined): Promise<number | undefined> {
  if (endpoint === undefined) return undefined;
  try {
    const scale = (await new SimControl(endpoint).config()).timeScale;
    return scale > 0 ? scale : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the rolling deploy's very definition with aws-local-stepfunctions: each Task state
 * is mapped to its handler in-process, Wait states are shortened, and when the execution
 * stops short the cleanup function runs as the status-change rule would invoke it.
 */
export async function startLocalDeploy(input: unknown, options: LocalDeployOptions): Promise<LocalExecution> {
  const name = options.name ?? `local-${randomUUID()}`;
  const executionArn = `arn:aws:states:us-east-1:${localAccount}:execution:scythe-local-deploy:${name}`;
  const { handlers, cleanup, deploymentEvent } = await loadDeployHandlers(() => options.services);
  const definition = localDeployDefinition();
  const states = allStates(definition as unknown as { States: Record<string, unknown> });
  const endpoint = simulatorEndpointOf(options.services);
  const scale = options.timeScale ?? (await simulatorTimeScale(endpoint)) ?? 1000;
  const stopping = new AbortController();

  // What the execution's state holds, as far as the Wait states need it: each task's input
  // merged with its result at its ResultPath (tasks run one at a time in this definition).
  let shadow: Record<string, unknown> = input !== null && typeof input === "object" ? { ...(input as Record<string, unknown>) } : {};
  const track = (state: string, payload: Json, result: Json) => {
    const base = payload !== null && typeof payload === "object" && !Array.isArray(payload) ? { ...shadow, ...payload } : shadow;
    const def = states.get(state);
    shadow = def?.ResultPath === undefined && def !== undefined && "ResultSelector" in def ? base : withPath(base, def?.ResultPath, result);
  };

  const fnByArn = new Map(deployFunctions.map((fn) => [functionArn(fn), fn]));
  const callbackTask = (state: string, def: StateDef): LocalTask => async (params) => {
    const { FunctionName, Payload } = (params ?? {}) as { FunctionName?: string; Payload?: Json };
    const fn = FunctionName === undefined ? undefined : fnByArn.get(FunctionName);
    if (fn === undefined) throw new Error(`${state}: no local function for ${String(FunctionName)}`);
    const token = findToken(Payload);
    if (token === undefined) throw new Error(`${state}: the payload carries no task token ($$.Task.Token)`);
    const heartbeatSeconds = def.HeartbeatSeconds;
    const timeoutSeconds = def.TimeoutSeconds;
    // Waiting starts before the Lambda runs: it may answer its own token (its event came first).
    const answered = localTaskTokens.wait(
      token,
      {
        ...(heartbeatSeconds !== undefined && { heartbeatMs: heartbeatSeconds * scale, heartbeatSeconds }),
        ...(timeoutSeconds !== undefined && { timeoutMs: timeoutSeconds * scale, timeoutSeconds }),
      },
      stopping.signal,
    );
    answered.catch(() => undefined);
    let invoke = asLambdaTask(`scythe-local-deploy-${fn}`, handlers[fn]);
    if (options.wrapTask && state in deployTasks) invoke = options.wrapTask(state as DeployTaskState, invoke);
    try {
      await invoke(Payload ?? null);
    } catch (error) {
      localTaskTokens.abandon(token);
      throw error;
    }
    try {
      const output = (await answered) as Json;
      track(state, Payload ?? null, output);
      return output;
    } catch (error) {
      // Stopped meanwhile: the engine has already settled the execution, nothing reads this.
      if (error instanceof CallbackAbortedError) return null;
      throw error;
    }
  };

  const taskResourceLocalHandlers = Object.fromEntries(
    (Object.entries(deployTasks) as [DeployTaskState, DeployFunction][]).map(([state, fn]) => {
      const def = states.get(state);
      if (def && isCallback(def)) return [state, callbackTask(state, def)];
      const plain = asLambdaTask(`scythe-local-deploy-${fn}`, handlers[fn]);
      const task = options.wrapTask ? options.wrapTask(state, plain) : plain;
      const tracked: LocalTask = async (payload) => {
        const result = await task(payload);
        track(state, payload, result);
        return result;
      };
      return [state, tracked];
    }),
  );
  const fixedWaits: Record<string, number> = {};
  for (const state of Object.keys(deployWaits) as DeployWaitState[]) {
    const ms = typeof options.waitMs === "number" ? options.waitMs : options.waitMs?.[state];
    if (ms !== undefined) fixedWaits[state] = ms;
  }
  // The engine reads a Wait state's override when the state runs: from here it gets the
  // state's own seconds (Seconds, or SecondsPath in the state as it stands) at the time scale.
  const waitTimeOverrides = new Proxy(fixedWaits, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (target[key] !== undefined) return target[key];
      const def = states.get(key);
      if (def?.Type !== "Wait") return undefined;
      const seconds = def.Seconds ?? (def.SecondsPath !== undefined ? pathValue(shadow, def.SecondsPath) : undefined);
      return typeof seconds === "number" ? Math.max(0, seconds * scale) : undefined;
    },
  });
  const retryMs = options.retryIntervalMs ?? 20;
  const retryIntervalOverrides = Object.fromEntries(Object.keys(deployTasks).map((state) => [state, retryMs]));

  const releaseRule =
    options.deploymentEvents !== false && endpoint !== undefined ? await useDeploymentEventRule(options.services, endpoint, deploymentEvent) : async () => undefined;

  const machine = new StateMachine(definition);
  const json = JSON.parse(JSON.stringify(input ?? null)) as Json;
  const started = Date.now();
  const run = machine.run(json, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${localAccount}:role/scythe-local` },
      // `$$.Task.Token`: a fresh token each time a callback task's parameters are evaluated.
      Task: {
        get Token() {
          return localTaskTokens.mint();
        },
      },
    },
  });
  const abort = () => {
    stopping.abort();
    run.abort();
  };

  const entered: Record<string, number> = {};
  let retries = 0;
  // Step Functions fails an execution whose history would pass its quota; so does the local runner.
  const callbackStates = new Set([...states].filter(([, def]) => isCallback(def)).map(([n]) => n));
  const history = new HistoryCounter(options.historyLimit ?? historyEventLimit, callbackStates);
  let historyFull = false;
  const counting = (async () => {
    for await (const event of run.eventLogs) {
      if (!historyFull && !history.add(event)) {
        historyFull = true;
        abort();
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
    stopping.abort();
    await counting.catch(() => undefined);
    const outcome = historyFull ? { status: "FAILED" as const, error: historyLimitError, cause: historyLimitCause } : settled;
    const wallMs = Date.now() - started;
    const transitions = Object.values(entered).reduce((a, b) => a + b, 0) + retries;
    const base = { executionArn, name, ...outcome, transitions, retries, historyEvents: history.events + (historyFull ? 1 : 0), entered: { ...entered }, wallMs };
    if (outcome.status === "SUCCEEDED" || options.statusChangeRule === false) {
      await releaseRule();
      return base;
    }
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
    await releaseRule();
    return { ...base, cleanup: report };
  })();

  return { executionArn, name, result, abort };
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
