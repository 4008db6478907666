/** Classic ELB actions (AWS Query, 2012-06-01), rendered as the inner XML of `<ActionResult>`. */
import type { CallContext } from "./calls.js";
import { AwsError } from "./errors.js";
import { deregisterInstances, healthOf, listedInstances, notRegistered, registerInstances } from "./lb.js";
import type { QueryParams } from "./query.js";
import type { InstanceHealthView } from "./schemas.js";
import type { LoadBalancer } from "./state.js";
import type { World } from "./world.js";
import { el, members, text } from "./xml.js";

export type ElbAction = (world: World, params: QueryParams, ctx: CallContext) => string;

function lbNotFound(name: string): AwsError {
  return new AwsError("LoadBalancerNotFound", `There is no ACTIVE Load Balancer named '${name}'`);
}

function findLb(world: World, name: string): LoadBalancer {
  const lb = world.state.loadBalancers.get(name);
  if (lb === undefined) throw lbNotFound(name);
  return lb;
}

function instancesXml(ids: readonly string[]): string {
  return members("Instances", ids.map((id) => text("InstanceId", id)));
}

/**
 * The health check as AWS describes it, consistent with how long the simulator takes to
 * call a registered instance healthy: HealthyThreshold consecutive checks Interval apart.
 */
export function healthCheckTiming(seconds: number): { interval: number; healthyThreshold: number } {
  const healthyThreshold = Math.min(10, Math.max(2, Math.round(seconds / 10)));
  return { interval: Math.min(300, Math.max(5, Math.ceil(seconds / healthyThreshold))), healthyThreshold };
}

function describeXml(lb: LoadBalancer, defaultHealthSeconds: number): string {
  const timing = healthCheckTiming(lb.healthCheckSeconds ?? defaultHealthSeconds);
  const dns = `${lb.name}-1234567890.us-east-1.elb.amazonaws.com`;
  const listener = el(
    "Listener",
    text("Protocol", "HTTP") + text("LoadBalancerPort", 80) + text("InstanceProtocol", "HTTP") + text("InstancePort", 80),
  );
  const healthCheck = el(
    "HealthCheck",
    text("Target", "HTTP:80/health") + text("Interval", timing.interval) + text("Timeout", 5) + text("UnhealthyThreshold", 2) + text("HealthyThreshold", timing.healthyThreshold),
  );
  return [
    text("LoadBalancerName", lb.name),
    text("DNSName", dns),
    text("CanonicalHostedZoneName", dns),
    text("CanonicalHostedZoneNameID", "Z35SXDOTRQ7X7K"),
    members("ListenerDescriptions", [listener + members("PolicyNames", [])]),
    el("Policies", members("AppCookieStickinessPolicies", []) + members("LBCookieStickinessPolicies", []) + members("OtherPolicies", [])),
    members("BackendServerDescriptions", []),
    members("AvailabilityZones", ["us-east-1a"]),
    members("Subnets", []),
    // As in AWS, an instance leaves the listing when its deregistration starts (it drains unlisted).
    instancesXml(listedInstances(lb)),
    healthCheck,
    el("SourceSecurityGroup", text("OwnerAlias", "amazon-elb") + text("GroupName", "amazon-elb-sg")),
    members("SecurityGroups", []),
    text("CreatedTime", lb.createdAt),
    text("Scheme", "internet-facing"),
  ].join("");
}

/** The page size asked for, as AWS validates it (1-400). */
function pageSize(params: QueryParams): number | undefined {
  const raw = params.get("PageSize");
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 400) {
    throw new AwsError("ValidationError", `1 validation error detected: Value '${raw}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`);
  }
  return n;
}

/** Markers are opaque to callers: the last load balancer returned, and the position after it. */
const encodeMarker = (after: string, at: number) => Buffer.from(JSON.stringify({ after, at })).toString("base64url");

function decodeMarker(marker: string): { after: string; at: number } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(marker, "base64url").toString());
    if (parsed && typeof parsed === "object" && "after" in parsed && "at" in parsed && typeof parsed.after === "string" && typeof parsed.at === "number") {
      return { after: parsed.after, at: parsed.at };
    }
  } catch {
    // falls through to the error below
  }
  throw new AwsError("ValidationError", "Invalid Marker");
}

/**
 * Pages in creation order, at most `PageSize` (and the simulator's `elbPageSize`) per
 * page, with a `NextMarker` while more remain. A marker resumes after the load balancer
 * it names (or, if that one was deleted meanwhile, at the position it recorded).
 */
const describeLoadBalancers: ElbAction = (world, params) => {
  const names = params.list("LoadBalancerNames");
  const lbs = names === undefined || names.length === 0 ? [...world.state.loadBalancers.values()] : names.map((n) => findLb(world, n));
  const size = Math.min(pageSize(params) ?? 400, world.config.elbPageSize);
  const marker = params.get("Marker");
  let start = 0;
  if (marker !== undefined && marker !== "") {
    const { after, at } = decodeMarker(marker);
    const found = lbs.findIndex((lb) => lb.name === after);
    start = found >= 0 ? found + 1 : at;
  }
  const page = lbs.slice(start, start + size);
  const last = page.at(-1);
  const next = start + page.length;
  return members("LoadBalancerDescriptions", page.map((lb) => describeXml(lb, world.config.healthCheckSeconds))) + (next < lbs.length && last !== undefined ? text("NextMarker", encodeMarker(last.name, next)) : "");
};

function healthXml(h: InstanceHealthView): string {
  return text("InstanceId", h.InstanceId) + text("State", h.State) + text("ReasonCode", h.ReasonCode) + text("Description", h.Description);
}

const describeInstanceHealth: ElbAction = (world, params) => {
  const lb = findLb(world, params.required("LoadBalancerName"));
  const ids = params.list("Instances", "InstanceId");
  let views: InstanceHealthView[];
  if (ids === undefined || ids.length === 0) views = [...lb.registrations.values()].map((r) => healthOf(world.state, r));
  else {
    views = ids.map((id) => {
      const reg = lb.registrations.get(id);
      if (reg !== undefined) return healthOf(world.state, reg);
      if (!world.state.ec2InstanceIds.has(id)) throw invalidInstance(id);
      return notRegistered(id);
    });
  }
  return members("InstanceStates", views.map(healthXml));
};

function invalidInstance(id: string): AwsError {
  return new AwsError("InvalidInstance", `Could not find EC2 instance ${id}.`);
}

const deregister: ElbAction = (world, params, ctx) => {
  const lb = findLb(world, params.required("LoadBalancerName"));
  const ids = params.requiredList("Instances", "InstanceId");
  const unknown = ids.filter((id) => !lb.registrations.has(id));
  if (unknown.length > 0) {
    throw new AwsError("InvalidInstance", `The requested instance(s) ${unknown.join(", ")} are not registered with load balancer ${lb.name}.`);
  }
  deregisterInstances(world, lb, ids, ctx.now);
  return instancesXml(listedInstances(lb));
};

const register: ElbAction = (world, params, ctx) => {
  const lb = findLb(world, params.required("LoadBalancerName"));
  const ids = params.requiredList("Instances", "InstanceId");
  const missing = ids.find((id) => !world.state.ec2InstanceIds.has(id));
  if (missing !== undefined) throw invalidInstance(missing);
  registerInstances(world, lb, ids, ctx.now);
  return instancesXml(listedInstances(lb));
};

/** Deleting a load balancer that does not exist succeeds, as in AWS. */
const deleteLoadBalancer: ElbAction = (world, params) => {
  world.state.loadBalancers.delete(params.required("LoadBalancerName"));
  return "";
};

const describeAttributes: ElbAction = (world, params) => {
  const lb = findLb(world, params.required("LoadBalancerName"));
  return el(
    "LoadBalancerAttributes",
    el("CrossZoneLoadBalancing", text("Enabled", true)) +
      el("AccessLog", text("Enabled", false)) +
      // Disabled draining still reports its timeout (AWS keeps the last one set; 300 s by default).
      el("ConnectionDraining", text("Enabled", lb.drainSeconds > 0) + text("Timeout", lb.drainSeconds > 0 ? Math.round(lb.drainSeconds) : 300)) +
      el("ConnectionSettings", text("IdleTimeout", 60)),
  );
};

export const elbActions: Readonly<Record<string, ElbAction>> = {
  DescribeLoadBalancers: describeLoadBalancers,
  DescribeInstanceHealth: describeInstanceHealth,
  DeregisterInstancesFromLoadBalancer: deregister,
  RegisterInstancesWithLoadBalancer: register,
  DeleteLoadBalancer: deleteLoadBalancer,
  DescribeLoadBalancerAttributes: describeAttributes,
};
