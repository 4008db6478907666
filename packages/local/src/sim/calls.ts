/**
 * Runs one service call through the fault book, the handler and the event log:
 * latency → sync the clock → drop / injected error / handler → log + invariant → answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SimError } from "./errors.js";
import { faultNames, type FiredFault } from "./faults.js";
import { send, sleep, type Reply } from "./http.js";
import type { SimEvent } from "./schemas.js";
import type { World } from "./world.js";

export interface CallContext {
  now: number;
  fault?: FiredFault;
}

export interface CallSpec {
  service: SimEvent["service"];
  /** Canonical action name (logged); `aliases` also match faults. */
  action: string;
  aliases?: string[];
  params: unknown;
  /** Builds the answer; throws SimError for a service error. */
  execute: (ctx: CallContext) => Reply;
  /** Renders a service error in the wire format. */
  renderError: (error: SimError) => Reply;
  /** Turns an injected fault into the service's error. */
  faultError: (fault: FiredFault) => SimError;
  /** Headers added to every answer (e.g. RateLimit-Remaining, Date); given the call's simulated time. */
  extraHeaders?: Record<string, string> | ((now: number) => Record<string, string>);
}

export async function runCall(world: World, req: IncomingMessage, res: ServerResponse, spec: CallSpec): Promise<void> {
  const fault = world.faults.match(faultNames(spec.service, [spec.action, ...(spec.aliases ?? [])]));
  if (fault !== undefined && fault.latencyMs > 0) await sleep(fault.latencyMs);
  const now = world.sync();
  const base = { service: spec.service, action: spec.action, params: spec.params, ...(fault ? { faulted: true } : {}) };
  if (fault?.drop) {
    world.recordCall({ ...base, outcome: "dropped" }, now);
    req.socket.destroy();
    return;
  }
  let error: SimError | undefined;
  let reply: Reply | undefined;
  try {
    if (fault !== undefined && (fault.error !== undefined || fault.status !== undefined)) error = spec.faultError(fault);
    else reply = spec.execute(fault ? { now, fault } : { now });
  } catch (thrown) {
    error = thrown instanceof SimError ? thrown : new SimError(500, "InternalFailure", describe(thrown));
  }
  const answer = reply ?? spec.renderError(error ?? new SimError(500, "InternalFailure", "no reply"));
  const extra = typeof spec.extraHeaders === "function" ? spec.extraHeaders(now) : spec.extraHeaders;
  const final: Reply = { ...answer, headers: { ...answer.headers, ...extra } };
  const code = error?.code;
  const outcome = fault?.dropAfter ? "dropped" : final.status >= 400 ? "error" : "ok";
  world.recordCall({ ...base, outcome, status: final.status, ...(code !== undefined ? { code } : {}) }, now);
  if (fault?.dropAfter) {
    req.socket.destroy();
    return;
  }
  send(res, final);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
