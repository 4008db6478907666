import { randomBytes } from "node:crypto";
import type { TaskCallbacks } from "@scythe/core/deploy";

/** An error as Step Functions' API answers it (`name` is the error code the SDK would throw). */
export class TaskTokenError extends Error {
  constructor(name: "InvalidToken" | "TaskTimedOut" | "TaskDoesNotExist", message: string) {
    super(message);
    this.name = name;
  }
}

/** How a waiting task ends when no callback comes: the errors Step Functions gives its Catch. */
export class CallbackTimeoutError extends Error {
  constructor(name: "States.HeartbeatTimeout" | "States.Timeout", seconds: number) {
    super(name === "States.HeartbeatTimeout" ? `no heartbeat or callback within ${seconds} s (HeartbeatSeconds)` : `the task did not complete within ${seconds} s (TimeoutSeconds)`);
    this.name = name;
  }
}

/** A failure sent with SendTaskFailure: the task fails with the caller's error and cause. */
export class CallbackFailureError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** The execution stopped while its task waited. */
export class CallbackAbortedError extends Error {
  constructor() {
    super("the execution stopped while the task waited");
    this.name = "CallbackAbortedError";
  }
}

interface Pending {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  heartbeat?: NodeJS.Timeout;
  timeout?: NodeJS.Timeout;
  heartbeatMs?: number;
  heartbeatSeconds?: number;
  unlisten?: () => void;
}

/**
 * Step Functions' task tokens for the local runner, shared by every local execution in the
 * process, as the service is: a token is minted when a `.waitForTaskToken` state evaluates
 * `$$.Task.Token`, waits once bound to its task, and is answered by SendTaskSuccess,
 * SendTaskFailure or SendTaskHeartbeat. A token never minted is InvalidToken; one whose
 * task has ended (answered, timed out, aborted) is TaskTimedOut, as AWS answers.
 */
export class LocalTaskTokens {
  readonly #minted = new Set<string>();
  readonly #pending = new Map<string, Pending>();
  readonly #closed = new Set<string>();

  mint(): string {
    // Opaque and long, like AWS's (which are several hundred characters).
    const token = `local-task-token-${randomBytes(48).toString("base64url")}`;
    this.#minted.add(token);
    return token;
  }

  isMinted(token: string): boolean {
    return this.#minted.has(token);
  }

  /**
   * Waits for the token's callback. `heartbeatMs` restarts at each heartbeat; `timeoutMs`
   * counts from now. `signal` ends the wait (the execution was aborted), closing the token.
   */
  wait(token: string, limits: { heartbeatMs?: number; heartbeatSeconds?: number; timeoutMs?: number; timeoutSeconds?: number }, signal?: AbortSignal): Promise<unknown> {
    if (!this.#minted.has(token)) return Promise.reject(new TaskTokenError("InvalidToken", "Invalid token"));
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, ...(limits.heartbeatMs !== undefined && { heartbeatMs: limits.heartbeatMs, heartbeatSeconds: limits.heartbeatSeconds ?? 0 }) };
      this.#pending.set(token, pending);
      if (limits.timeoutMs !== undefined) {
        pending.timeout = setTimeout(() => this.#end(token, new CallbackTimeoutError("States.Timeout", limits.timeoutSeconds ?? 0)), limits.timeoutMs);
      }
      this.#armHeartbeat(token, pending);
      if (signal) {
        // Removed when the wait ends: an execution's signal outlives thousands of waits.
        const onAbort = () => this.#end(token, new CallbackAbortedError());
        signal.addEventListener("abort", onAbort, { once: true });
        pending.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
    });
  }

  #armHeartbeat(token: string, pending: Pending): void {
    if (pending.heartbeat) clearTimeout(pending.heartbeat);
    if (pending.heartbeatMs === undefined) return;
    pending.heartbeat = setTimeout(() => this.#end(token, new CallbackTimeoutError("States.HeartbeatTimeout", pending.heartbeatSeconds ?? 0)), pending.heartbeatMs);
  }

  #end(token: string, outcome: Error | { output: unknown }): void {
    const pending = this.#pending.get(token);
    if (!pending) return;
    this.#pending.delete(token);
    this.#closed.add(token);
    if (pending.heartbeat) clearTimeout(pending.heartbeat);
    if (pending.timeout) clearTimeout(pending.timeout);
    pending.unlisten?.();
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome.output);
  }

  /** Ends a token's wait without an answer (its Lambda failed, or the execution stopped): later callbacks get TaskTimedOut. */
  abandon(token: string): void {
    this.#end(token, new Error("task abandoned"));
  }

  #live(token: string): void {
    if (!this.#minted.has(token)) throw new TaskTokenError("InvalidToken", "Invalid token");
    if (this.#closed.has(token) || !this.#pending.has(token)) throw new TaskTokenError("TaskTimedOut", "Task Timed Out");
  }

  /** SendTaskSuccess: `output` must be JSON text, as the API takes it. */
  sendTaskSuccess(token: string, output: string): void {
    this.#live(token);
    this.#end(token, { output: JSON.parse(output) as unknown });
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    this.#live(token);
    this.#end(token, new CallbackFailureError(error, cause));
  }

  sendTaskHeartbeat(token: string): void {
    this.#live(token);
    const pending = this.#pending.get(token);
    if (pending) this.#armHeartbeat(token, pending);
  }

  /** Tokens waiting now (for tests). */
  get waiting(): number {
    return this.#pending.size;
  }
}

/** The process's one local Step Functions service, as far as task tokens go. */
export const localTaskTokens = new LocalTaskTokens();

/** The callbacks the deploy functions use in the local world: SendTaskSuccess/Failure on the local tokens. */
export function localTaskCallbacks(tokens: LocalTaskTokens = localTaskTokens): TaskCallbacks {
  const call = (send: () => void): Promise<"sent" | "stale"> => {
    try {
      send();
      return Promise.resolve("sent");
    } catch (error) {
      if (error instanceof TaskTokenError) return Promise.resolve("stale");
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    succeed: (token, output) => call(() => tokens.sendTaskSuccess(token, JSON.stringify(output ?? null))),
    fail: (token, error, cause) => call(() => tokens.sendTaskFailure(token, error, cause)),
  };
}
