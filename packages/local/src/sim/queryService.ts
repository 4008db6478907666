/**
 * Front door shared by the Query/XML services added beside Classic ELB (EC2, ELBv2):
 * parse the form body, check signature, Action and Version, then run the handler
 * through the fault book and event log like every other call.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCall, type CallContext, type CallSpec } from "./calls.js";
import { AwsError, statusForAwsCode, type SimError } from "./errors.js";
import type { FiredFault } from "./faults.js";
import { header, type Reply } from "./http.js";
import { QueryParams } from "./query.js";
import type { SimEvent } from "./schemas.js";
import type { World } from "./world.js";

export type QueryAction = (world: World, params: QueryParams, ctx: CallContext) => string;

export interface QueryService {
  service: SimEvent["service"];
  version: string;
  actions: Readonly<Record<string, QueryAction>>;
  /** Error code for an injected HTTP status (429 → the service's throttling code). */
  codeForStatus: (status: number) => string;
  /** HTTP status for an injected error code given without one (default: the shared rule). */
  statusForCode?: (code: string) => number | undefined;
  renderError: (error: SimError, requestId: string) => string;
  renderResult: (action: string, inner: string, requestId: string) => string;
}

/** The `Version` a form body names, if any (routes Query calls to their service). */
export function queryVersion(body: string): string | undefined {
  const m = /(?:^|&)Version=([^&]*)/.exec(body);
  if (m?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

export async function handleQueryService(def: QueryService, world: World, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  let params: QueryParams | undefined;
  let malformed: AwsError | undefined;
  try {
    params = QueryParams.parse(body);
  } catch (error) {
    malformed = error instanceof AwsError ? error : new AwsError("MalformedQueryString", "Malformed request body");
  }
  const action = params?.get("Action") ?? "";
  const requestId = world.ids.requestId();
  const xml = (status: number, text: string): Reply => ({ status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body: text });
  const spec: CallSpec = {
    service: def.service,
    action,
    params: params?.toObject() ?? body,
    renderError: (error) => xml(error.status, def.renderError(error, requestId)),
    faultError: (fault: FiredFault) => {
      const code = fault.error ?? def.codeForStatus(fault.status ?? 500);
      return new AwsError(code, fault.message ?? `Injected fault: ${code}`, fault.status ?? def.statusForCode?.(code) ?? statusForAwsCode(code));
    },
    execute: (ctx) => {
      if (header(req, "authorization") === undefined) throw new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
      if (malformed !== undefined || params === undefined) throw malformed ?? new AwsError("MalformedQueryString", "Malformed request body");
      if (action === "") throw new AwsError("MissingAction", "The request must contain the parameter Action");
      const handler = def.actions[action];
      if (handler === undefined || params.get("Version") !== def.version) {
        throw new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version") ?? "(none)"}`);
      }
      return xml(200, def.renderResult(action, handler(world, params, ctx), requestId));
    },
  };
  await runCall(world, req, res, spec);
}

/** Opaque pagination token: resumes after the item it names, or at the recorded position. */
export function encodeToken(after: string, at: number): string {
  return Buffer.from(JSON.stringify({ after, at }), "utf8").toString("base64url");
}

export function decodeToken(token: string, error: () => AwsError): { after: string; at: number } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "after" in parsed && "at" in parsed) {
      const { after, at } = parsed;
      if (typeof after === "string" && typeof at === "number" && Number.isInteger(at) && at >= 0) return { after, at };
    }
  } catch {
    // falls through
  }
  throw error();
}

/** One page of `items` (keyed by `key`) starting after `token`. */
export function page<T>(items: readonly T[], key: (item: T) => string, size: number, token: string | undefined, invalid: () => AwsError): { page: T[]; next?: string } {
  let start = 0;
  if (token !== undefined && token !== "") {
    const { after, at } = decodeToken(token, invalid);
    const found = items.findIndex((i) => key(i) === after);
    start = found >= 0 ? found + 1 : at;
  }
  const slice = items.slice(start, start + size);
  const last = slice.at(-1);
  const end = start + slice.length;
  return end < items.length && last !== undefined ? { page: slice, next: encodeToken(key(last), end) } : { page: slice };
}
