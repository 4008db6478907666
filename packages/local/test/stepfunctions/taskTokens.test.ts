import { describe, expect, it } from "vitest";
import { CallbackFailureError, CallbackTimeoutError, LocalTaskTokens, localTaskCallbacks } from "../../src/stepfunctions/taskTokens.js";

describe("Local task tokens, as Step Functions answers them", () => {
  it("completes a waiting task once; a second answer is TaskTimedOut, an unknown token InvalidToken", async () => {
    const tokens = new LocalTaskTokens();
    const token = tokens.mint();
    const waiting = tokens.wait(token, {});
    tokens.sendTaskSuccess(token, JSON.stringify({ ok: true }));
    await expect(waiting).resolves.toEqual({ ok: true });
    expect(() => tokens.sendTaskSuccess(token, "{}")).toThrow(expect.objectContaining({ name: "TaskTimedOut" }));
    expect(() => tokens.sendTaskFailure("not-a-token", "E", "c")).toThrow(expect.objectContaining({ name: "InvalidToken" }));
    const callbacks = localTaskCallbacks(tokens);
    expect(await callbacks.succeed(token, {})).toBe("stale");
  });

  it("fails the task with the caller's error and cause", async () => {
    const tokens = new LocalTaskTokens();
    const token = tokens.mint();
    const waiting = tokens.wait(token, {});
    expect(await localTaskCallbacks(tokens).fail(token, "DeploymentFailedError", "deployment d-1 failed")).toBe("sent");
    await expect(waiting).rejects.toEqual(new CallbackFailureError("DeploymentFailedError", "deployment d-1 failed"));
  });

  it("times out without a heartbeat (States.HeartbeatTimeout), takes heartbeats while waiting, and TimeoutSeconds bounds the whole wait (States.Timeout)", async () => {
    const tokens = new LocalTaskTokens();
    const quiet = tokens.mint();
    await expect(tokens.wait(quiet, { heartbeatMs: 20, heartbeatSeconds: 120 })).rejects.toMatchObject({ name: "States.HeartbeatTimeout" });
    expect(() => tokens.sendTaskHeartbeat(quiet)).toThrow(expect.objectContaining({ name: "TaskTimedOut" }));

    const beating = tokens.mint();
    const waiting = tokens.wait(beating, { heartbeatMs: 60_000, heartbeatSeconds: 120, timeoutMs: 20, timeoutSeconds: 300 });
    expect(() => tokens.sendTaskHeartbeat(beating)).not.toThrow();
    await expect(waiting).rejects.toBeInstanceOf(CallbackTimeoutError);
    await expect(waiting).rejects.toMatchObject({ name: "States.Timeout" });
  });
});
