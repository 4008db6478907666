/**
 * AWS front door: POST / with `X-Amz-Target: OpsWorks_20130218.<Action>` is OpsWorks
 * (JSON 1.1); a form-encoded `Action=…` body is Classic ELB (Query, 2012-06-01), served
 * through the Query front door that EC2 and ELBv2 share.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCall, type CallSpec } from "./calls.js";
import { elbActions } from "./elb.js";
import { AwsError, awsCodeForStatus, statusForAwsCode, type SimError } from "./errors.js";
import type { FiredFault } from "./faults.js";
import { header, isRecord, parseJson, type Reply } from "./http.js";
import { opsworksActions } from "./opsworks.js";
import { handleQueryService, type QueryService } from "./queryService.js";
import type { World } from "./world.js";
import { el, text } from "./xml.js";

const OPSWORKS_PREFIX = "OpsWorks_20130218.";
const ELB_VERSION = "2012-06-01";
const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/";

function faultToAws(service: "opsworks"): (fault: FiredFault) => SimError {
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

/** Classic ELB (Query/XML, 2012-06-01), through the front door shared with EC2 and ELBv2. */
const classicElb: QueryService = {
  service: "elb",
  version: ELB_VERSION,
  actions: elbActions,
  codeForStatus: (status) => awsCodeForStatus(status, "elb"),
  renderError: (error, requestId) =>
    `<ErrorResponse xmlns="${ELB_NS}">` +
    el("Error", text("Type", error.status >= 500 ? "Receiver" : "Sender") + text("Code", error.code) + text("Message", error.message)) +
    text("RequestId", requestId) +
    `</ErrorResponse>`,
  renderResult: (action, inner, requestId) =>
    `<${action}Response xmlns="${ELB_NS}">` + el(`${action}Result`, inner) + el("ResponseMetadata", text("RequestId", requestId)) + `</${action}Response>`,
};

export function handleElb(world: World, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  return handleQueryService(classicElb, world, req, res, body);
}
