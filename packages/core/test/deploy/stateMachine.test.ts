import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  arnVariable,
  batchesArnVariable,
  deployBatchesDefinition,
  deployBatchesPerExecution,
  deployFunctions,
  deployStateMachineDefinition,
  deploySubstitutions,
  deployTasks,
  deployCallbackTasks,
  deployHeartbeatSeconds,
  deployWaits,
} from "../../src/deploy/stateMachine.js";

type Validate = (definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }) => { isValid: boolean; errorsText: (separator?: string) => string };
const validate = createRequire(import.meta.url)("asl-validator") as Validate;

const definition = deployStateMachineDefinition();
const batchesDefinition = deployBatchesDefinition();
const parentStates = Object.entries(definition.States) as [string, Record<string, unknown>][];
const batchStates = Object.entries(batchesDefinition.States) as [string, Record<string, unknown>][];
const states = [...parentStates, ...batchStates];
const lambdaTasks = states.filter(([, s]) => s.Type === "Task" && String(s.Resource).startsWith("${"));
const batchesArn = "arn:aws:states:us-east-1:123456789012:stateMachine:scythe-deploy-batches";
const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:scythe-deploy-${fn}`;

describe("Module: the rolling deploy's ASL definition", () => {
  it("passes asl-validator once its ARNs are substituted, as Step Functions receives them (the parent and its runs of batches)", () => {
    for (const d of [definition, batchesDefinition]) {
      const substituted = JSON.parse(
        JSON.stringify(d).replace(/\$\{(\w+)\}/g, (_, name: string) => deploySubstitutions(arn, batchesArn)[name] ?? "missing"),
      ) as unknown;
      const result = validate(substituted);
      expect(result.errorsText()).toBe("");
      expect(result.isValid).toBe(true);
    }
  });

  it("rolls the batches in child executions of the batches state machine, a fixed number of batches each, so no history grows with the layer", () => {
    const roll = definition.States.RollBatches as Record<string, unknown> & { Parameters: { StateMachineArn: string; Input: Record<string, string> } };
    expect(roll.Resource).toBe("arn:aws:states:::states:startExecution.sync:2");
    expect(roll.Parameters.StateMachineArn).toBe(`\${${batchesArnVariable}}`);
    expect(roll.Parameters.Input["until.$"]).toBe(`States.MathAdd($.rollout.index, ${deployBatchesPerExecution})`);
    // A retried start must find the same child: its name is derived from the parent and the first batch.
    expect(roll.Parameters).toHaveProperty("Name.$");
    expect(Object.keys(definition.States)).not.toContain("Detach");
    expect(batchesDefinition.StartAt).toBe("Detach");
    // A run of batches never recovers by itself: the parent does.
    expect(JSON.stringify(batchesDefinition)).not.toContain("Recover");
    expect(definition.States.BatchesMerged).toMatchObject({ Type: "Pass", Next: "MoreBatches" });
  });

  it("invokes each function through a `${...}` placeholder, and every placeholder has a substitution", () => {
    const placeholders = new Set([...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    placeholders.delete(batchesArnVariable);
    const batchPlaceholders = new Set([...JSON.stringify(batchesDefinition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    // Every function is invoked by one of the two, and each gets every substitution it names.
    expect([...new Set([...placeholders, ...batchPlaceholders])].sort()).toEqual(deployFunctions.map(arnVariable).sort());
    expect(Object.keys(deploySubstitutions(arn, batchesArn)).sort()).toEqual([...deployFunctions.map(arnVariable), batchesArnVariable].sort());
    for (const [name, state] of lambdaTasks) {
      expect(state.Resource).toBe(`\${${arnVariable(deployTasks[name as keyof typeof deployTasks])}}`);
    }
  });

  it("waits for a deployment with a task token: a Lambda invoke that carries $$.Task.Token, a heartbeat, and one direct check when no news comes", () => {
    expect(deployCallbackTasks).toEqual(["AwaitDeployment"]);
    const state = batchesDefinition.States.AwaitDeployment as Record<string, unknown> & { Parameters: { FunctionName: string; Payload: Record<string, string> }; Catch: { ErrorEquals: string[]; Next: string }[] };
    expect(state.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(state.Parameters.FunctionName).toBe(`\${${arnVariable("awaitDeployment")}}`);
    expect(state.Parameters.Payload["taskToken.$"]).toBe("$$.Task.Token");
    // The rollout's own heartbeat (input heartbeatSeconds), read from its config; the timeout is a backstop past the longest allowed.
    expect(state.HeartbeatSeconds).toBeUndefined();
    expect(state.HeartbeatSecondsPath).toBe("$.config.heartbeatSeconds");
    expect(state.TimeoutSeconds).toBeGreaterThan(deployHeartbeatSeconds);
    // The rollout stays as Deploy left it; the callback's output goes beside it.
    expect(state.ResultPath).toBe("$.deployment");
    expect(state.Catch[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(["States.HeartbeatTimeout", "States.Timeout"]), Next: "CheckDeployment" });
    expect(batchesDefinition.States.Deployed).toMatchObject({ Default: "AwaitDeployment" });
    expect(state.Next).toBe("Attach");
  });

  it("uses JSONPath only, and waits only in Wait states whose seconds come from the input (the lock) or from the batch (drain, health)", () => {
    expect(JSON.stringify(definition)).not.toContain("JSONata");
    expect(JSON.stringify(definition)).not.toContain("{%");
    const waits = states.filter(([, s]) => s.Type === "Wait");
    expect(waits.map(([name]) => name).sort()).toEqual(Object.keys(deployWaits).sort());
    for (const [name, state] of waits) {
      expect(state.SecondsPath).toBe(name === "WaitForLock" ? "$.config.pollSeconds.lock" : "$.rollout.current.waitSeconds");
    }
  });

  it("sends every failure after the lock is taken to Recover, which always ends in the Fail state", () => {
    const beforeLock = new Set(["Validate", "AcquireLock", "Recover", "RollBatches"]);
    for (const [name, state] of parentStates.filter(([n, s]) => s.Type === "Task" && !beforeLock.has(n))) {
      expect((state.Catch as unknown[]).at(-1), name).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Recover" });
    }
    // A failed run of batches reaches Recover with its own error unwrapped (or as Step Functions gave it).
    expect((definition.States.RollBatches as { Catch: unknown[] }).Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "BatchesStopped" }]);
    expect(definition.States.BatchesStopped).toMatchObject({ Default: "Recover", Choices: [{ Next: "ReadBatchesError" }] });
    expect(definition.States.BatchesError).toMatchObject({ Next: "Recover", ResultPath: "$.error" });
    // A run of batches that stopped at a failed task ends with that task's error in its output; the parent recovers with it.
    expect(definition.States.BatchesRolled).toMatchObject({ Choices: [{ Variable: "$.batches.output.error", IsPresent: true, Next: "BatchesFailed" }], Default: "BatchesMerged" });
    expect(definition.States.BatchesFailed).toEqual({ Type: "Pass", InputPath: "$.batches.output.error", ResultPath: "$.error", Next: "Recover" });
    const batches = deployBatchesDefinition().States;
    for (const [name, state] of Object.entries(batches).filter(([, s]) => s.Type === "Task")) {
      expect((state.Catch as unknown[]).at(-1), name).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "BatchFailed" });
    }
    expect(batches.BatchFailed).toEqual({ Type: "Pass", Parameters: { "rollout.$": "$.rollout", "error.$": "$.error" }, End: true });
    const recover = definition.States.Recover as { Next: string; Catch: { Next: string }[] };
    expect(recover.Next).toBe("Failed");
    expect(recover.Catch.map((c) => c.Next)).toEqual(["Failed"]);
    expect(definition.States.Failed).toEqual({ Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" });
  });

  it("retries transient errors (Lambda's, throttling, storage) but never bad input or a failed deployment", () => {
    for (const [name, state] of states.filter(([n, s]) => s.Type === "Task" && n !== "RollBatches")) {
      const retried = (state.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toContain("Lambda.ServiceException");
      expect(retried, name).not.toContain("States.ALL");
      expect(retried, name).not.toContain("ValidationError");
      expect(retried, name).not.toContain("DeploymentFailedError");
      if (name !== "Validate") expect(retried, name).toEqual(expect.arrayContaining(["ThrottledError", "CloudUnavailableError", "StorageUnavailableError"]));
    }
  });

  it("reaches every state from the start", () => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const state = definition.States[name] ?? {};
      const next = [state.Next, state.Default, ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next), ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next)];
      for (const n of next) if (typeof n === "string") visit(n);
    };
    visit(definition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
    seen.clear();
    const visitBatches = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const state = batchesDefinition.States[name] ?? {};
      const next = [state.Next, state.Default, ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next), ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next)];
      for (const n of next) if (typeof n === "string") visitBatches(n);
    };
    visitBatches(batchesDefinition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(batchesDefinition.States).sort());
  });

  it("waits for a run of batches as long as the run itself may last: the task's own timeout is the child's (the language's default of 60 s stopped runs longer than a minute)", () => {
    const rollBatches = definition.States.RollBatches as { TimeoutSeconds?: number };
    expect(rollBatches.TimeoutSeconds).toBe(batchesDefinition.TimeoutSeconds);
    expect(batchesDefinition.TimeoutSeconds).toBeGreaterThanOrEqual(7 * 24 * 3600);
  });
});
