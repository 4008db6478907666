/**
 * AWS front door: POST / with `X-Amz-Target: OpsWorks_20130218.<Action>` is OpsWorks
 * (JSON 1.1); a form-encoded `Action=…` body is Classic ELB (Query, 2012-06-01).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCall, type CallSpec } from "./calls.js";
import { elbActions } from "./elb.js";
import { AwsError, awsCodeForStatus, statusForAwsCode, type SimError } from "./errors.js";
import type { FiredFault } from "./faults.js";
import { header, isRecord, parseJson, type Reply } from "./http.js";
import { opsworksActions } from "./opsworks.js";
import { QueryParams } from "./query.js";
import type { World } from "./world.js";
import { el, text } from "./xml.js";

const OPSWORKS_PREFIX = "OpsWorks_20130218.";
const ELB_VERSION = "2012-06-01";
const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/";

function faultToAws(service: "opsworks" | "elb"): (fault: FiredFault) => SimError {
  return (fault) => {
    const code = fault.error ?? awsCodeForStatus(fault.status ?? 500, service);
    return new AwsError(code, fault.message ?? `Injected fault: ${code}`, fault.status ?? statusForAwsCode(code));
  };
}

function requireSignature(req: IncomingMessage, code: string): void {
  if (header(req, "authorization") === undefined) throw new AwsError(code, "Request is missing Authentication Token", 403);
}

function jsonError(requestId: string): (error: SimError) => Reply {
  return (error) => ({
    status: error.status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  });
}

export async function handleOpsWorks(world: World, req: IncomingMessage, res: ServerResponse, body: string, target: string): Promise<void> {
  const action = target.startsWith(OPSWORKS_PREFIX) ? target.slice(OPSWORKS_PREFIX.length) : target;
  const handler = target.startsWith(OPSWORKS_PREFIX) ? opsworksActions[action] : undefined;
  const parsed = body.trim() === "" ? { ok: true as const, value: {} } : parseJson(body);
  const requestId = world.ids.requestId();
  const spec: CallSpec = {
    service: "opsworks",
    action,
    params: parsed.ok ? parsed.value : body,
    renderError: jsonError(requestId),
    faultError: faultToAws("opsworks"),
    execute: (ctx) => {
      requireSignature(req, "MissingAuthenticationTokenException");
      if (handler === undefined) throw new AwsError("UnknownOperationException", `Unknown operation ${target}`);
      if (!parsed.ok || !isRecord(parsed.value)) {
        throw new AwsError("SerializationException", "Start of structure or map found where not expected, or malformed JSON body");
      }
      const output = handler(world, parsed.value, ctx);
      return {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
        body: JSON.stringify(output),
      };
    },
  };
  await runCall(world, req, res, spec);
}

function xmlError(requestId: string): (error: SimError) => Reply {
  return (error) => ({
    status: error.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body:
      `<ErrorResponse xmlns="${ELB_NS}">` +
      el("Error", text("Type", error.status >= 500 ? "Receiver" : "Sender") + text("Code", error.code) + text("Message", error.message)) +
      text("RequestId", requestId) +
      `</ErrorResponse>`,
  });
}

export async function handleElb(world: World, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  let params: QueryParams | undefined;
  let malformed: AwsError | undefined;
  try {
    params = QueryParams.parse(body);
  } catch (error) {
    malformed = error instanceof AwsError ? error : new AwsError("MalformedQueryString", "Malformed request body");
  }
  const action = params?.get("Action") ?? "";
  const requestId = world.ids.requestId();
  const spec: CallSpec = {
    service: "elb",
    action,
    params: params?.toObject() ?? body,
    renderError: xmlError(requestId),
    faultError: faultToAws("elb"),
    execute: (ctx) => {
      requireSignature(req, "MissingAuthenticationToken");
      if (malformed !== undefined || params === undefined) throw malformed ?? new AwsError("MalformedQueryString", "Malformed request body");
      if (action === "") throw new AwsError("MissingAction", "The request must contain the parameter Action");
      const handler = elbActions[action];
      if (handler === undefined || params.get("Version") !== ELB_VERSION) {
        throw new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version") ?? "(none)"}`);
      }
      const result = handler(world, params, ctx);
      return {
        status: 200,
        headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
        body:
          `<${action}Response xmlns="${ELB_NS}">` +
          el(`${action}Result`, result) +
          el("ResponseMetadata", text("RequestId", requestId)) +
          `</${action}Response>`,
      };
    },
  };
  await runCall(world, req, res, spec);
}
