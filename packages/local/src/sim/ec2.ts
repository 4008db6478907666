/**
 * EC2 (Query protocol, API 2016-11-15): DescribeInstances, DescribeTags and TerminateInstances.
 * EC2's XML differs from ELB's: no `<XResult>` wrapper, `<item>` lists, a lower-case
 * `requestId`, and errors as `<Response><Errors><Error>`.
 */
import { AwsError } from "./errors.js";
import { EC2_STATE_CODES, type Ec2Instance } from "./ec2State.js";
import type { QueryParams } from "./query.js";
import { deregisterTargets } from "./elbv2.js";
import { page, type QueryAction, type QueryService } from "./queryService.js";
import { el, escapeXml, text } from "./xml.js";

export const EC2_VERSION = "2016-11-15";
const EC2_NS = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;
const OWNER = "123456789012";

function items(name: string, inner: readonly string[]): string {
  return el(name, inner.map((i) => `<item>${i}</item>`).join(""));
}

/** EC2 lists: `Name.1`, `Name.2`, … (no `.member`). */
function ec2List(params: QueryParams, prefix: string): string[] | undefined {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  const found: [number, string][] = [];
  for (const [key, value] of Object.entries(params.toObject())) {
    const m = pattern.exec(key);
    if (m?.[1] !== undefined) found.push([Number(m[1]), value]);
  }
  if (found.length === 0) return undefined;
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

interface Filter {
  name: string;
  values: string[];
}

function filters(params: QueryParams): Filter[] {
  const out: Filter[] = [];
  for (let n = 1; ; n++) {
    const name = params.get(`Filter.${n}.Name`);
    if (name === undefined) break;
    out.push({ name, values: ec2List(params, `Filter.${n}.Value`) ?? [] });
  }
  return out;
}

/** EC2 filter values accept `*` (any run) and `?` (one character). */
function matches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(value);
}

const anyMatch = (values: readonly string[], value: string | undefined): boolean => value !== undefined && values.some((p) => matches(p, value));

function invalidFilter(name: string): AwsError {
  return new AwsError("InvalidParameterValue", `The filter '${name}' is invalid`);
}

function instanceFilter(f: Filter): (i: Ec2Instance) => boolean {
  if (f.name.startsWith("tag:")) {
    const key = f.name.slice(4);
    return (i) => anyMatch(f.values, i.Tags.find((t) => t.Key === key)?.Value);
  }
  switch (f.name) {
    case "instance-state-name":
      return (i) => anyMatch(f.values, i.State);
    case "instance-state-code":
      return (i) => anyMatch(f.values, String(EC2_STATE_CODES[i.State]));
    case "instance-id":
      return (i) => anyMatch(f.values, i.InstanceId);
    case "instance-type":
      return (i) => anyMatch(f.values, i.InstanceType);
    case "tag-key":
      return (i) => i.Tags.some((t) => anyMatch(f.values, t.Key));
    case "tag-value":
      return (i) => i.Tags.some((t) => anyMatch(f.values, t.Value));
    default:
      throw invalidFilter(f.name);
  }
}

/** `MaxResults` within [min, max]; undefined when absent. */
function maxResults(params: QueryParams, min: number, max: number): number | undefined {
  const raw = params.get("MaxResults");
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AwsError("InvalidParameterValue", `Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
  }
  return n;
}

const invalidToken = (): AwsError => new AwsError("InvalidParameterValue", "Invalid value for parameter NextToken");

const ID_PATTERN = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

function instanceXml(i: Ec2Instance): string {
  const tags = i.Tags.map((t) => text("key", t.Key) + text("value", t.Value));
  return (
    text("instanceId", i.InstanceId) +
    text("imageId", i.ImageId) +
    el("instanceState", text("code", EC2_STATE_CODES[i.State]) + text("name", i.State)) +
    text("privateDnsName", `ip-${i.PrivateIpAddress.replace(/\./g, "-")}.ec2.internal`) +
    text("amiLaunchIndex", 0) +
    text("instanceType", i.InstanceType) +
    text("launchTime", i.LaunchTime) +
    el("placement", text("availabilityZone", i.AvailabilityZone) + text("tenancy", "default")) +
    el("monitoring", text("state", "disabled")) +
    text("privateIpAddress", i.PrivateIpAddress) +
    text("architecture", "x86_64") +
    text("rootDeviceType", "ebs") +
    text("rootDeviceName", "/dev/xvda") +
    (tags.length > 0 ? items("tagSet", tags) : "")
  );
}

const describeInstances: QueryAction = (world, params) => {
  const ids = ec2List(params, "InstanceId");
  const size = maxResults(params, 5, 1000);
  if (ids !== undefined && size !== undefined) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  const all = [...world.state.ec2Instances.values()];
  let selected = all;
  if (ids !== undefined) {
    const malformed = ids.find((id) => !ID_PATTERN.test(id));
    if (malformed !== undefined) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${malformed}"`);
    const missing = ids.filter((id) => !world.state.ec2Instances.has(id));
    if (missing.length > 0) {
      const quoted = missing.map((id) => `'${id}'`).join(", ");
      throw new AwsError("InvalidInstanceID.NotFound", `The instance ID${missing.length > 1 ? "s" : ""} ${quoted} ${missing.length > 1 ? "do" : "does"} not exist`);
    }
    const wanted = new Set(ids);
    selected = all.filter((i) => wanted.has(i.InstanceId));
  }
  for (const f of filters(params)) {
    const keep = instanceFilter(f);
    selected = selected.filter(keep);
  }
  const { page: chosen, next } = page(selected, (i) => i.InstanceId, size ?? 1000, params.get("NextToken"), invalidToken);
  const reservations = chosen.map(
    (i) => text("reservationId", i.ReservationId) + text("ownerId", OWNER) + el("groupSet", "") + items("instancesSet", [instanceXml(i)]),
  );
  return items("reservationSet", reservations) + (next !== undefined ? text("nextToken", next) : "");
};

const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface TagRow {
  resourceId: string;
  key: string;
  value: string;
}

function tagFilter(f: Filter): (t: TagRow) => boolean {
  switch (f.name) {
    case "resource-id":
      return (t) => anyMatch(f.values, t.resourceId);
    case "resource-type":
      return () => anyMatch(f.values, "instance");
    case "key":
      return (t) => anyMatch(f.values, t.key);
    case "value":
      return (t) => anyMatch(f.values, t.value);
    default:
      if (f.name.startsWith("tag:")) {
        const key = f.name.slice(4);
        return (t) => t.key === key && anyMatch(f.values, t.value);
      }
      throw invalidFilter(f.name);
  }
}

/** Tags of every simulated resource (instances), sorted as AWS does: by resource id, then key. */
const describeTags: QueryAction = (world, params) => {
  const size = maxResults(params, 5, 1000);
  let rows: TagRow[] = [...world.state.ec2Instances.values()]
    .filter((i) => i.State !== "terminated")
    .flatMap((i) => i.Tags.map((t) => ({ resourceId: i.InstanceId, key: t.Key, value: t.Value })))
    .sort((a, b) => ordinal(a.resourceId, b.resourceId) || ordinal(a.key, b.key));
  for (const f of filters(params)) rows = rows.filter(tagFilter(f));
  const { page: chosen, next } = page(rows, (t) => `${t.resourceId}\u0000${t.key}`, size ?? 1000, params.get("NextToken"), invalidToken);
  const out = chosen.map((t) => text("resourceId", t.resourceId) + text("resourceType", "instance") + text("key", t.key) + text("value", t.value));
  return items("tagSet", out) + (next !== undefined ? text("nextToken", next) : "");
};

/**
 * TerminateInstances: each instance goes `shutting-down`, then `terminated` after the
 * config's `stopSeconds`, and stays listed as terminated. As AWS does, every target group
 * deregisters it (draining for the group's delay). Terminating a terminated instance is
 * not an error; an unknown id is `InvalidInstanceID.NotFound` and nothing is terminated.
 */
const terminateInstances: QueryAction = (world, params, ctx) => {
  const ids = ec2List(params, "InstanceId");
  if (ids === undefined || ids.length === 0) throw new AwsError("MissingParameter", "The request must contain the parameter InstanceId");
  const malformed = ids.find((id) => !ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${malformed}"`);
  const missing = ids.filter((id) => !world.state.ec2Instances.has(id));
  if (missing.length > 0) throw new AwsError("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
  const out: string[] = [];
  for (const id of [...new Set(ids)]) {
    const instance = world.state.ec2Instances.get(id);
    if (instance === undefined) continue;
    const previous = instance.State;
    if (previous !== "terminated" && previous !== "shutting-down") {
      instance.State = "shutting-down";
      for (const tg of world.state.targetGroups.values()) {
        const refs = [...tg.targets.values()].filter((r) => r.id === id).map((r) => ({ id: r.id, port: r.port }));
        if (refs.length > 0) deregisterTargets(world, tg, refs, ctx.now);
      }
      world.schedule(ctx.now + world.config.stopSeconds, { service: "ec2", action: "InstanceTerminated", params: { InstanceId: id } }, () => {
        if (instance.State !== "shutting-down") return false;
        instance.State = "terminated";
        return true;
      });
    }
    const state = (name: Ec2Instance["State"]) => text("code", EC2_STATE_CODES[name]) + text("name", name);
    out.push(text("instanceId", id) + el("currentState", state(instance.State)) + el("previousState", state(previous)));
  }
  return items("instancesSet", out);
};

export const ec2Service: QueryService = {
  service: "ec2",
  version: EC2_VERSION,
  actions: { DescribeInstances: describeInstances, DescribeTags: describeTags, TerminateInstances: terminateInstances },
  codeForStatus: (status) => {
    if (status === 429 || status === 503) return "RequestLimitExceeded";
    if (status === 403) return "UnauthorizedOperation";
    if (status >= 500) return "InternalError";
    return "InvalidParameterValue";
  },
  statusForCode: (code) => (code === "RequestLimitExceeded" ? 503 : undefined),
  renderError: (error, requestId) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response>${el("Errors", el("Error", text("Code", error.code) + text("Message", error.message)))}${text("RequestID", requestId)}</Response>`,
  renderResult: (action, inner, requestId) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${escapeXml(EC2_NS)}">${text("requestId", requestId)}${inner}</${action}Response>`,
};
