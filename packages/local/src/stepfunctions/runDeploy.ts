import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
// aws-local-stepfunctions calls Promise.withResolvers (Node 22+); `engines` promises Node 20.
import "core-js/actual/promise/with-resolvers.js";
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { deployBatchesDefinition, deployFunctions, deployStateMachineDefinition, deploySubstitutions, deployTasks, deployWaits, type DeployFunction, type DeployServices, type DeployTaskState, type DeployWaitState } from "@scythe/core/deploy";
import { SimControl } from "../sim/control.js";
import { ssmEventDelivered } from "../sim/ssmEvents.js";
import { LocalDeploymentEventRule } from "./eventBridge.js";
import { DataLimitExceededError, asLambdaTask, payloadLimitBytes, withinQuota, type LambdaHandler } from "./lambdaInvoke.js";
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
  /** States entered, as Step Functions bills them (a retry is another transition), children included. */
  readonly transitions: number;
  readonly retries: number;
  /** Events in this execution's own history, counted as Step Functions records them (quota: 25,000 per execution). */
  readonly historyEvents: number;
  /** State name → times entered, over the execution and its children. */
  readonly entered: Readonly<Record<string, number>>;
  /**
   * Where the wall time went, over the execution and its children: state name → real ms
   * from entering the state to leaving it (a Task's invocations and retries, a Wait's sleep),
   * and `engine` the ms between leaving one state and entering the next (the runner's own).
   */
  readonly dwellMs: Readonly<Record<string, number>>;
  /** The largest task parameters or result, in bytes of UTF-8 JSON (Step Functions' quota: 262,144). */
  readonly largestPayloadBytes: number;
  /** Every child execution the rollout started (runs of batches), in order. */
  readonly children: readonly ExecutionFigures[];
  /** The largest history among the execution and its children. */
  readonly largestHistory: number;
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
  /** Hand the simulator's OpsWorks deployment events (and SSM command events) to their functions, as the EventBridge rules do (default true). */
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
  /** The quota on a task's parameters and result, in bytes of UTF-8 JSON (default AWS's 262,144). */
  readonly payloadLimit?: number;
}

export const localAccount = "000000000000";
export const localStateMachineArn = `arn:aws:states:us-east-1:${localAccount}:stateMachine:scythe-local-deploy`;
export const localBatchesStateMachineArn = `arn:aws:states:us-east-1:${localAccount}:stateMachine:scythe-local-deploy-batches`;
const functionArn = (fn: DeployFunction) => `arn:aws:lambda:us-east-1:${localAccount}:function:scythe-local-deploy-${fn}`;

/** The deployed definition with the local ARNs substituted, as Step Functions would hold it. */
export function localDeployDefinition(): StateMachineDefinition {
  return substitute(deployStateMachineDefinition(), deploySubstitutions(functionArn, localBatchesStateMachineArn)) as unknown as StateMachineDefinition;
}

/** The batches state machine (a run of batches, started by the parent), with the local ARNs substituted. */
export function localBatchesDefinition(): StateMachineDefinition {
  return substitute(deployBatchesDefinition(), deploySubstitutions(functionArn)) as unknown as StateMachineDefinition;
}

/** One execution's own figures: the parent's, or a child's (a run of batches). */
export interface ExecutionFigures {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly transitions: number;
  readonly historyEvents: number;
}

interface StateDef {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly ResultPath?: string | null;
  readonly ResultSelector?: Record<string, unknown>;
  readonly HeartbeatSeconds?: number;
  readonly HeartbeatSecondsPath?: string;
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

/** A ResultSelector (or Parameters) template applied to `data`: `"key.$"` fields read a path, the others are kept as written. */
function select(template: Record<string, unknown>, data: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith(".$") && typeof value === "string" && value.startsWith("$") ? [key.slice(0, -2), pathValue(data, value)] : [key, value],
    ),
  );
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

/**
 * The task state whose Lambda is running, for whatever that Lambda calls (the bench tallies
 * each HTTP request by it). The event rule's functions run outside any state.
 */
export const runningTaskState = new AsyncLocalStorage<string>();

/** One EventBridge rule stand-in per set of services, shared by the executions that use them. */
const rules = new WeakMap<DeployServices, { rule: LocalDeploymentEventRule; users: number; started: Promise<void> }>();

async function useDeploymentEventRule(services: DeployServices, endpoint: string, handler: LambdaHandler, commandEvent: LambdaHandler): Promise<() => Promise<void>> {
  let entry = rules.get(services);
  if (!entry) {
    // SSM's command events ride the same stand-in to their own function, as their rule does on AWS.
    const also = [{ service: "ssm", action: ssmEventDelivered, target: asLambdaTask("scythe-local-deploy-commandEvent", commandEvent) }];
    const rule = new LocalDeploymentEventRule(new SimControl(endpoint), asLambdaTask("scythe-local-deploy-deploymentEvent", handler), { also });
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

/** A `states:startExecution.sync:2` task: runs a child execution and waits for it. */
const isStartExecutionSync = (state: StateDef) => state.Type === "Task" && (state.Resource ?? "").startsWith("arn:aws:states:::states:startExecution.sync");

interface Settled {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly historyEvents: number;
  readonly transitions: number;
}

/** What one execution and its children count toward the rollout's figures. */
interface Tally {
  entered: Record<string, number>;
  largestPayloadBytes: number;
  dwellMs: Record<string, number>;
  retries: number;
  transitions: number;
  children: ExecutionFigures[];
  largestHistory: number;
}

/**
 * Runs the rolling deploy's very definitions with aws-local-stepfunctions: each Lambda task
 * is mapped to its handler in-process; a `.waitForTaskToken` task to its Lambda plus a wait
 * on the process's task tokens; a `startExecution.sync:2` task to a child execution of the
 * batches definition, with its own history. Wait states last their seconds on the
 * simulator's clock (or `waitMs`), and when the execution stops short the cleanup function
 * runs as the status-change rule would invoke it.
 */
export async function startLocalDeploy(input: unknown, options: LocalDeployOptions): Promise<LocalExecution> {
  const name = options.name ?? `local-${randomUUID()}`;
  const executionArn = `arn:aws:states:us-east-1:${localAccount}:execution:scythe-local-deploy:${name}`;
  const { handlers, cleanup, deploymentEvent, commandEvent } = await loadDeployHandlers(() => options.services);
  const definitions = new Map<string, StateMachineDefinition>([
    [localStateMachineArn, localDeployDefinition()],
    [localBatchesStateMachineArn, localBatchesDefinition()],
  ]);
  const endpoint = simulatorEndpointOf(options.services);
  const scale = options.timeScale ?? (await simulatorTimeScale(endpoint)) ?? 1000;
  const fnByArn = new Map(deployFunctions.map((fn) => [functionArn(fn), fn]));
  const tally: Tally = { entered: {}, dwellMs: {}, largestPayloadBytes: 0, retries: 0, transitions: 0, children: [], largestHistory: 0 };
  const historyLimit = options.historyLimit ?? historyEventLimit;
  const payloadLimit = options.payloadLimit ?? payloadLimitBytes;
  const measure = (bytes: number) => {
    tally.largestPayloadBytes = Math.max(tally.largestPayloadBytes, bytes);
  };

  /** Runs one execution of `definition` to its end; `stop` aborts it (and its children). */
  function execute(definition: StateMachineDefinition, json: Json, arn: string, executionName: string, stop: AbortSignal): Promise<Settled> {
    const states = allStates(definition as unknown as { States: Record<string, unknown> });
    const stopping = new AbortController();
    const onStop = () => stopping.abort();
    stop.addEventListener("abort", onStop, { once: true });

    // What the execution's state holds, as far as the Wait states need it: each task's input
    // merged with its result at its ResultPath (tasks run one at a time in these definitions).
    let shadow: Record<string, unknown> = json !== null && typeof json === "object" && !Array.isArray(json) ? { ...json } : {};
    // A ResultSelector shapes the result first (Validate's makes it `{ config }`, which then
    // replaces the state, as its ResultPath is the default `$`).
    const track = (state: string, payload: Json, result: Json) => {
      const base = payload !== null && typeof payload === "object" && !Array.isArray(payload) ? { ...shadow, ...payload } : shadow;
      const def = states.get(state);
      shadow = withPath(base, def?.ResultPath, def?.ResultSelector !== undefined ? select(def.ResultSelector, result) : result);
    };

    // An error no Catch takes (States.DataLimitExceeded): the execution fails with it, as AWS fails it.
    let terminal: { error: string; cause: string } | undefined;
    const guard =
      (task: LocalTask): LocalTask =>
      async (input) => {
        try {
          return await task(input);
        } catch (error) {
          if (!(error instanceof DataLimitExceededError)) throw error;
          // Not thrown to the engine, whose Catch would take it: the execution stops here.
          terminal ??= { error: error.name, cause: error.message };
          stopping.abort();
          return new Promise<Json>(() => undefined);
        }
      };

    const callbackTask = (state: string, def: StateDef): LocalTask => async (params) => {
      const { FunctionName, Payload } = (params ?? {}) as { FunctionName?: string; Payload?: Json };
      const fn = FunctionName === undefined ? undefined : fnByArn.get(FunctionName);
      if (fn === undefined) throw new Error(`${state}: no local function for ${String(FunctionName)}`);
      const token = findToken(Payload);
      if (token === undefined) throw new Error(`${state}: the payload carries no task token ($$.Task.Token)`);
      // HeartbeatSecondsPath reads the state's input, which the payload's fields come from.
      const view = Payload !== null && typeof Payload === "object" && !Array.isArray(Payload) ? { ...shadow, ...Payload } : shadow;
      const fromPath = def.HeartbeatSecondsPath !== undefined ? pathValue(view, def.HeartbeatSecondsPath) : undefined;
      if (def.HeartbeatSecondsPath !== undefined && (typeof fromPath !== "number" || !Number.isInteger(fromPath) || fromPath <= 0)) {
        throw new StatesError("States.Runtime", `${state}: HeartbeatSecondsPath ${def.HeartbeatSecondsPath} is not a positive whole number (${JSON.stringify(fromPath)})`);
      }
      const heartbeatSeconds = typeof fromPath === "number" ? fromPath : def.HeartbeatSeconds;
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
      let invoke = guard(asLambdaTask(`scythe-local-deploy-${fn}`, handlers[fn], undefined, payloadLimit, measure));
      if (options.wrapTask && state in deployTasks) invoke = options.wrapTask(state as DeployTaskState, invoke);
      try {
        await runningTaskState.run(state, () => invoke(Payload ?? null));
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

    // startExecution.sync:2: the task's result is the child's DescribeExecution (keys as the
    // service integration gives them, Input and Output as JSON). A child that does not
    // succeed fails the task with States.TaskFailed, that description (with the child's
    // Error and Cause) as the cause, cut at the 32,768 characters a task failure's cause holds.
    const childTask = (state: string): LocalTask => async (params) => {
      const { StateMachineArn, Name, Input } = (params ?? {}) as { StateMachineArn?: string; Name?: string; Input?: Json };
      const childDefinition = StateMachineArn === undefined ? undefined : definitions.get(StateMachineArn);
      if (childDefinition === undefined) throw new StatesError("StepFunctions.StateMachineDoesNotExistException", `${state}: no state machine ${String(StateMachineArn)}`);
      const childName = Name ?? randomUUID();
      const childArn = `${StateMachineArn?.replace(":stateMachine:", ":execution:")}:${childName}`;
      const startDate = Date.now();
      // The child's input and output are data a state passes too: measured, and held to the quota.
      withinQuota(JSON.stringify(Input ?? {}), `input of ${childName}`, payloadLimit, measure);
      const settled = await execute(childDefinition, Input ?? null, childArn, childName, stopping.signal);
      const description = { ExecutionArn: childArn, Input: Input ?? {}, Name: childName, StartDate: startDate, StateMachineArn, Status: settled.status, StopDate: Date.now() };
      if (settled.status === "SUCCEEDED") {
        withinQuota(JSON.stringify(settled.output ?? null), `output of ${childName}`, payloadLimit, measure);
        return { ...description, Output: (settled.output ?? null) as Json } as Json;
      }
      const cause = JSON.stringify({ ...description, ...(settled.error !== undefined && { Error: settled.error }), ...(settled.cause !== undefined && { Cause: settled.cause }) });
      throw new StatesError("States.TaskFailed", cause.slice(0, taskFailureCauseLimit));
    };

    const taskResourceLocalHandlers = Object.fromEntries(
      [...states].filter(([, def]) => def.Type === "Task").map(([state, def]) => {
        if (isCallback(def)) return [state, callbackTask(state, def)];
        if (isStartExecutionSync(def)) return [state, guard(childTask(state))];
        const fn = deployTasks[state as DeployTaskState] as DeployFunction | undefined;
        if (fn === undefined) throw new Error(`no local handler for task state ${state}`);
        const plain = guard(asLambdaTask(`scythe-local-deploy-${fn}`, handlers[fn], undefined, payloadLimit, measure));
        const task = options.wrapTask ? options.wrapTask(state as DeployTaskState, plain) : plain;
        const tracked: LocalTask = async (payload) => {
          const result = await runningTaskState.run(state, () => task(payload));
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
    const retryIntervalOverrides = Object.fromEntries([...states.keys()].map((state) => [state, retryMs]));

    const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const run = machine.run(json, {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: arn, Name: executionName, RoleArn: `arn:aws:iam::${localAccount}:role/scythe-local` },
        // `$$.Task.Token`: a fresh token each time a callback task's parameters are evaluated.
        Task: {
          get Token() {
            return localTaskTokens.mint();
          },
        },
      },
    });
    stopping.signal.addEventListener("abort", () => run.abort(), { once: true });

    const entered: Record<string, number> = {};
    let retries = 0;
    // Step Functions fails an execution whose history would pass its quota; so does the local runner.
    const submitting = new Set([...states].filter(([, def]) => isCallback(def) || isStartExecutionSync(def)).map(([n]) => n));
    const history = new HistoryCounter(historyLimit, submitting);
    let historyFull = false;
    // Real time per state (nested Map/Parallel states aside: these definitions have none).
    let enteredAt: number | undefined;
    let exitedAt: number | undefined;
    const dwell = (key: string, ms: number) => {
      tally.dwellMs[key] = (tally.dwellMs[key] ?? 0) + Math.max(0, ms);
    };
    const counting = (async () => {
      for await (const event of run.eventLogs) {
        if (!historyFull && !history.add(event)) {
          historyFull = true;
          stopping.abort();
        }
        if (event.type === "StateEntered") {
          if (exitedAt !== undefined) dwell("engine", event.timestamp - exitedAt);
          enteredAt = event.timestamp;
          exitedAt = undefined;
        } else if ((event.type === "StateExited" || event.type === "StateFailed" || event.type === "StateCaught") && enteredAt !== undefined) {
          dwell(event.state.name, event.timestamp - enteredAt);
          enteredAt = undefined;
          exitedAt = event.timestamp;
        }
        if (event.type === "StateEntered") {
          entered[event.state.name] = (entered[event.state.name] ?? 0) + 1;
          tally.entered[event.state.name] = (tally.entered[event.state.name] ?? 0) + 1;
          options.onStateEntered?.(event.state.name);
        } else if (event.type === "StateRetried") {
          retries += 1;
          tally.retries += 1;
        }
      }
    })();

    return (async (): Promise<Settled> => {
      const settled = await run.result.then(
        (output: unknown) => ({ status: "SUCCEEDED" as const, output }),
        (error: unknown) => stopped(error),
      );
      stopping.abort();
      stop.removeEventListener("abort", onStop);
      await counting.catch(() => undefined);
      const outcome = terminal
        ? { status: "FAILED" as const, ...terminal }
        : historyFull
          ? { status: "FAILED" as const, error: historyLimitError, cause: historyLimitCause }
          : settled;
      const historyEvents = history.events + (historyFull ? 1 : 0);
      const transitions = Object.values(entered).reduce((a, b) => a + b, 0) + retries;
      tally.transitions += transitions;
      tally.largestHistory = Math.max(tally.largestHistory, historyEvents);
      if (arn !== executionArn) tally.children.push({ executionArn: arn, status: outcome.status, transitions, historyEvents });
      return { ...outcome, historyEvents, transitions };
    })();
  }

  const releaseRule =
    options.deploymentEvents !== false && endpoint !== undefined ? await useDeploymentEventRule(options.services, endpoint, deploymentEvent, commandEvent) : async () => undefined;
  const json = JSON.parse(JSON.stringify(input ?? null)) as Json;
  const started = Date.now();
  const stop = new AbortController();
  const parentDefinition = definitions.get(localStateMachineArn) as StateMachineDefinition;
  const running = execute(parentDefinition, json, executionArn, name, stop.signal);

  const result = (async (): Promise<LocalExecutionResult> => {
    const settled = await running;
    const wallMs = Date.now() - started;
    const { historyEvents, transitions: _own, ...outcome } = settled;
    const base = {
      executionArn,
      name,
      ...outcome,
      transitions: tally.transitions,
      retries: tally.retries,
      historyEvents,
      entered: { ...tally.entered },
      dwellMs: { ...tally.dwellMs },
      largestPayloadBytes: tally.largestPayloadBytes,
      children: [...tally.children],
      largestHistory: tally.largestHistory,
      wallMs,
    };
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
        ...(outcome.error !== undefined && { error: outcome.error, cause: outcome.cause }),
      },
    };
    const report = await asLambdaTask("scythe-local-deploy-cleanup", cleanup)(event as unknown as Json).catch((error: unknown) => ({
      cleanupFailed: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }));
    await releaseRule();
    return { ...base, cleanup: report };
  })();

  return { executionArn, name, result, abort: () => stop.abort() };
}

/** TaskFailed's cause holds at most this many characters (the API's length constraint). */
export const taskFailureCauseLimit = 32_768;

/** An error a service integration raises, matched by Retry and Catch by its name. */
class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
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
