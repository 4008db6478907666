/**
 * ELBv2 (Query protocol, API 2015-12-01): load balancers, target groups, target health,
 * registration with health checks and deregistration with the deregistration delay.
 */
import type { CallContext } from "./calls.js";
import { AwsError } from "./errors.js";
import type { QueryParams } from "./query.js";
import { page, type QueryAction, type QueryService } from "./queryService.js";
import {
  initialSeconds,
  notRegisteredTarget,
  targetHealth,
  targetKey,
  type LoadBalancerV2,
  type TargetGroup,
  type TargetHealthView,
  type TargetRegistration,
} from "./targetGroups.js";
import type { World } from "./world.js";
import { el, escapeXml, members, text } from "./xml.js";

export const ELBV2_VERSION = "2015-12-01";
const NS = `http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`;

const validation = (message: string): AwsError => new AwsError("ValidationError", message);

function pageSize(params: QueryParams): number {
  const raw = params.get("PageSize");
  if (raw === undefined) return 400;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 400) {
    throw validation(`1 validation error detected: Value '${raw}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`);
  }
  return n;
}

const invalidMarker = (): AwsError => validation("Invalid Marker");

function findTargetGroup(world: World, arn: string): TargetGroup {
  const tg = world.state.targetGroups.get(arn);
  if (tg === undefined) throw new AwsError("TargetGroupNotFound", `Target groups '${arn}' not found`);
  return tg;
}

function lbXml(lb: LoadBalancerV2): string {
  return (
    text("LoadBalancerArn", lb.arn) +
    text("DNSName", lb.dnsName) +
    text("CanonicalHostedZoneId", "Z35SXDOTRQ7X7K") +
    text("CreatedTime", lb.createdAt) +
    text("LoadBalancerName", lb.name) +
    text("Scheme", "internet-facing") +
    text("VpcId", "vpc-0a1b2c3d") +
    el("State", text("Code", "active")) +
    text("Type", lb.type) +
    members("AvailabilityZones", [text("ZoneName", "us-east-1a") + text("SubnetId", "subnet-0a1b2c3d")]) +
    text("IpAddressType", "ipv4")
  );
}

const describeLoadBalancers: QueryAction = (world, params) => {
  const arns = params.list("LoadBalancerArns");
  const names = params.list("Names");
  const all = [...world.state.loadBalancersV2.values()];
  let selected = all;
  if (arns !== undefined && arns.length > 0 && names !== undefined && names.length > 0) {
    throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
  }
  if (arns !== undefined && arns.length > 0) {
    selected = arns.map((arn) => {
      const lb = world.state.loadBalancersV2.get(arn);
      if (lb === undefined) throw new AwsError("LoadBalancerNotFound", `Load balancers '[${arn}]' not found`);
      return lb;
    });
  } else if (names !== undefined && names.length > 0) {
    selected = names.map((name) => {
      const lb = all.find((l) => l.name === name);
      if (lb === undefined) throw new AwsError("LoadBalancerNotFound", `Load balancers '[${name}]' not found`);
      return lb;
    });
  }
  const { page: chosen, next } = page(selected, (l) => l.arn, pageSize(params), params.get("Marker"), invalidMarker);
  return members("LoadBalancers", chosen.map(lbXml)) + (next !== undefined ? text("NextMarker", next) : "");
};

function targetGroupXml(tg: TargetGroup): string {
  return (
    text("TargetGroupArn", tg.arn) +
    text("TargetGroupName", tg.name) +
    text("Protocol", tg.protocol) +
    text("Port", tg.port) +
    text("VpcId", tg.vpcId) +
    text("HealthCheckProtocol", tg.protocol) +
    text("HealthCheckPort", "traffic-port") +
    text("HealthCheckEnabled", true) +
    text("HealthCheckIntervalSeconds", tg.healthCheckIntervalSeconds) +
    text("HealthCheckTimeoutSeconds", tg.healthCheckTimeoutSeconds) +
    text("HealthyThresholdCount", tg.healthyThresholdCount) +
    text("UnhealthyThresholdCount", tg.unhealthyThresholdCount) +
    text("HealthCheckPath", "/") +
    el("Matcher", text("HttpCode", "200")) +
    members("LoadBalancerArns", tg.loadBalancerArns.map(escapeXml)) +
    text("TargetType", "instance") +
    text("ProtocolVersion", "HTTP1") +
    text("IpAddressType", "ipv4")
  );
}

const describeTargetGroups: QueryAction = (world, params) => {
  const lbArn = params.get("LoadBalancerArn");
  const arns = params.list("TargetGroupArns") ?? [];
  const names = params.list("Names") ?? [];
  if ([lbArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length > 1) {
    throw validation("A load balancer ARN, target group ARNs, or target group names can be specified, but not more than one of them");
  }
  const all = [...world.state.targetGroups.values()];
  let selected = all;
  if (lbArn !== undefined) {
    if (!world.state.loadBalancersV2.has(lbArn)) throw new AwsError("LoadBalancerNotFound", `Load balancer '${lbArn}' not found`);
    selected = all.filter((tg) => tg.loadBalancerArns.includes(lbArn));
  } else if (arns.length > 0) {
    const missing = arns.filter((a) => !world.state.targetGroups.has(a));
    if (missing.length > 0) throw new AwsError("TargetGroupNotFound", `Target groups '[${missing.join(", ")}]' not found`);
    selected = arns.map((a) => findTargetGroup(world, a));
  } else if (names.length > 0) {
    const missing = names.filter((n) => !all.some((tg) => tg.name === n));
    if (missing.length > 0) throw new AwsError("TargetGroupNotFound", `One or more target groups not found`);
    selected = names.flatMap((n) => all.filter((tg) => tg.name === n));
  }
  const { page: chosen, next } = page(selected, (t) => t.arn, pageSize(params), params.get("Marker"), invalidMarker);
  return members("TargetGroups", chosen.map(targetGroupXml)) + (next !== undefined ? text("NextMarker", next) : "");
};

interface TargetRef {
  id: string;
  port: number;
}

function targets(params: QueryParams, tg: TargetGroup, required: boolean): TargetRef[] | undefined {
  const ids = required ? params.requiredList("Targets", "Id") : params.list("Targets", "Id");
  if (ids === undefined) return undefined;
  return ids.map((id, k) => {
    const raw = params.get(`Targets.member.${k + 1}.Port`);
    const port = raw === undefined ? tg.port : Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw validation(`1 validation error detected: Value '${raw ?? ""}' at 'targets.${k + 1}.member.port' failed to satisfy constraint: Member must have value between 1 and 65535`);
    }
    return { id, port };
  });
}

function invalidTarget(world: World, refs: readonly TargetRef[], forRegistration: boolean): void {
  const missing = refs.filter((r) => !world.state.ec2InstanceIds.has(r.id)).map((r) => r.id);
  if (missing.length > 0) {
    throw new AwsError("InvalidTarget", `The following targets are not valid instances: ${[...new Set(missing)].join(", ")}`);
  }
  if (!forRegistration) return;
  const notRunning = refs.filter((r) => {
    const state = world.state.ec2Instances.get(r.id)?.State;
    return state !== undefined && state !== "running";
  });
  if (notRunning.length > 0) {
    throw new AwsError("InvalidTarget", `The following targets are not in a running state and cannot be registered: '${notRunning.map((r) => r.id).join(", ")}'`);
  }
}

function healthXml(tg: TargetGroup, h: TargetHealthView): string {
  const health = text("State", h.State) + (h.Reason !== undefined ? text("Reason", h.Reason) : "") + (h.Description !== undefined ? text("Description", h.Description) : "");
  return el("Target", text("Id", h.Id) + text("Port", h.Port)) + text("HealthCheckPort", String(h.Port)) + el("TargetHealth", health);
}

/**
 * DescribeTargetHealth. No target named: every registration of the group. A target named with
 * its port: that registration, or `unused / Target.NotRegistered` on that port. A target named
 * by id alone: each of its registrations in the group, whatever their port, or one
 * `unused / Target.NotRegistered` on the group's port when it has none. (AWS's reference names
 * the port in its examples and does not say what an id alone answers; Scythe asks by id alone
 * and would, if AWS answered only the group's port, see an instance registered on another port
 * only in a whole-group read: see TargetGroups.detach.) Each target named is one row or more,
 * in the order asked; an id that is no instance is InvalidTarget, as on AWS.
 */
const describeTargetHealth: QueryAction = (world, params, ctx) => {
  const tg = findTargetGroup(world, params.required("TargetGroupArn"));
  const asked = targets(params, tg, false);
  let views: TargetHealthView[];
  if (asked === undefined || asked.length === 0) {
    views = [...tg.targets.values()].map((r) => targetHealth(world.state, tg, r, ctx.now));
  } else {
    invalidTarget(world, asked, false);
    views = asked.flatMap((ref, k) => {
      if (params.get(`Targets.member.${k + 1}.Port`) === undefined) {
        const regs = registrationsOf(tg, ref.id);
        return regs.length === 0 ? [notRegisteredTarget(ref.id, tg.port)] : regs.map((reg) => targetHealth(world.state, tg, reg, ctx.now));
      }
      const reg = tg.targets.get(targetKey(ref.id, ref.port));
      return [reg === undefined ? notRegisteredTarget(ref.id, ref.port) : targetHealth(world.state, tg, reg, ctx.now)];
    });
  }
  return members("TargetHealthDescriptions", views.map((h) => healthXml(tg, h)));
};

/** An instance's registrations in a group, on every port, in registration order. */
function registrationsOf(tg: TargetGroup, id: string): TargetRegistration[] {
  const regs: TargetRegistration[] = [];
  for (const reg of tg.targets.values()) if (reg.id === id) regs.push(reg);
  return regs;
}

function scheduleHealthy(world: World, tg: TargetGroup, reg: TargetRegistration): void {
  const token = reg.token;
  const key = targetKey(reg.id, reg.port);
  world.schedule(reg.since + initialSeconds(tg), { service: "elbv2", action: "HealthChecksPassed", params: { TargetGroupName: tg.name, Id: reg.id, Port: reg.port } }, (at) => {
    if (tg.targets.get(key) !== reg || reg.token !== token) return false;
    Object.assign(reg, { phase: "healthy", since: at, token: token + 1 });
    return true;
  });
}

export function registerTargets(world: World, tg: TargetGroup, refs: readonly TargetRef[], now: number): void {
  for (const ref of refs) {
    const key = targetKey(ref.id, ref.port);
    const existing = tg.targets.get(key);
    if (existing !== undefined && existing.phase !== "draining") continue;
    const reg: TargetRegistration = existing ?? { id: ref.id, port: ref.port, phase: "initial", since: now, token: 0 };
    if (existing !== undefined) Object.assign(reg, { phase: "initial", since: now, token: existing.token + 1 });
    tg.targets.set(key, reg);
    if (initialSeconds(tg) <= 0) Object.assign(reg, { phase: "healthy" });
    else scheduleHealthy(world, tg, reg);
  }
}

export function deregisterTargets(world: World, tg: TargetGroup, refs: readonly TargetRef[], now: number): void {
  for (const ref of refs) {
    const key = targetKey(ref.id, ref.port);
    const reg = tg.targets.get(key);
    if (reg === undefined || reg.phase === "draining") continue;
    if (tg.deregistrationDelaySeconds <= 0) {
      tg.targets.delete(key);
      continue;
    }
    const token = reg.token + 1;
    Object.assign(reg, { phase: "draining", since: now, token });
    world.schedule(now + tg.deregistrationDelaySeconds, { service: "elbv2", action: "DrainCompleted", params: { TargetGroupName: tg.name, Id: ref.id, Port: ref.port } }, () => {
      if (tg.targets.get(key) !== reg || reg.token !== token) return false;
      tg.targets.delete(key);
      return true;
    });
  }
}

const register: QueryAction = (world, params, ctx: CallContext) => {
  const tg = findTargetGroup(world, params.required("TargetGroupArn"));
  const refs = targets(params, tg, true) ?? [];
  invalidTarget(world, refs, true);
  registerTargets(world, tg, refs, ctx.now);
  return "";
};

const deregister: QueryAction = (world, params, ctx) => {
  const tg = findTargetGroup(world, params.required("TargetGroupArn"));
  const refs = targets(params, tg, true) ?? [];
  invalidTarget(world, refs, false);
  const unknown = refs.filter((r) => !tg.targets.has(targetKey(r.id, r.port)));
  if (unknown.length > 0) {
    throw new AwsError("InvalidTarget", `The following targets are not registered in target group '${tg.arn}': '${unknown.map((r) => r.id).join(", ")}'`);
  }
  deregisterTargets(world, tg, refs, ctx.now);
  return "";
};

function attributesXml(tg: TargetGroup): string {
  const attrs: [string, string][] = [
    ["deregistration_delay.timeout_seconds", String(tg.deregistrationDelaySeconds)],
    ["stickiness.enabled", "false"],
    ["stickiness.type", "lb_cookie"],
    ["load_balancing.algorithm.type", "round_robin"],
    ["slow_start.duration_seconds", "0"],
  ];
  return members("Attributes", attrs.map(([k, v]) => text("Key", k) + text("Value", v)));
}

const describeAttributes: QueryAction = (world, params) => attributesXml(findTargetGroup(world, params.required("TargetGroupArn")));

const modifyAttributes: QueryAction = (world, params) => {
  const tg = findTargetGroup(world, params.required("TargetGroupArn"));
  const keys = params.requiredList("Attributes", "Key");
  const values = params.list("Attributes", "Value") ?? [];
  keys.forEach((key, k) => {
    const value = values[k] ?? "";
    if (key !== "deregistration_delay.timeout_seconds") throw validation(`Attribute key '${key}' is not supported by the simulator`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 3600) throw validation(`'${value}' is not a valid value for deregistration_delay.timeout_seconds; it must be between 0 and 3600`);
    tg.deregistrationDelaySeconds = n;
  });
  return attributesXml(tg);
};

/**
 * DeleteTargetGroup: refused with ResourceInUse while a load balancer forwards to the group
 * (in the simulator, a group associated with a load balancer); a group that does not exist
 * is not an error, as on AWS. Its targets are simply forgotten (the instances keep running).
 */
const deleteTargetGroup: QueryAction = (world, params) => {
  const arn = params.required("TargetGroupArn");
  const tg = world.state.targetGroups.get(arn);
  if (tg === undefined) return "";
  if (tg.loadBalancerArns.length > 0) throw new AwsError("ResourceInUse", `Target group '${arn}' is currently in use by a listener or a rule`);
  world.state.targetGroups.delete(arn);
  return "";
};

/** DeleteLoadBalancer: deletes it and its listeners (its groups are no longer in use); one that does not exist is not an error, as on AWS. */
const deleteLoadBalancer: QueryAction = (world, params) => {
  const arn = params.required("LoadBalancerArn");
  if (!world.state.loadBalancersV2.delete(arn)) return "";
  for (const tg of world.state.targetGroups.values()) tg.loadBalancerArns = tg.loadBalancerArns.filter((a) => a !== arn);
  return "";
};

export const elbv2Service: QueryService = {
  service: "elbv2",
  version: ELBV2_VERSION,
  actions: {
    DescribeLoadBalancers: describeLoadBalancers,
    DescribeTargetGroups: describeTargetGroups,
    DescribeTargetHealth: describeTargetHealth,
    RegisterTargets: register,
    DeregisterTargets: deregister,
    DescribeTargetGroupAttributes: describeAttributes,
    ModifyTargetGroupAttributes: modifyAttributes,
    DeleteTargetGroup: deleteTargetGroup,
    DeleteLoadBalancer: deleteLoadBalancer,
  },
  codeForStatus: (status) => {
    if (status === 429) return "Throttling";
    if (status === 503) return "ServiceUnavailable";
    if (status === 403) return "AccessDenied";
    if (status >= 500) return "InternalFailure";
    return "ValidationError";
  },
  renderError: (error, requestId) =>
    `<ErrorResponse xmlns="${NS}">` +
    el("Error", text("Type", error.status >= 500 ? "Receiver" : "Sender") + text("Code", error.code) + text("Message", error.message)) +
    text("RequestId", requestId) +
    `</ErrorResponse>`,
  renderResult: (action, inner, requestId) =>
    `<${action}Response xmlns="${NS}">` + el(`${action}Result`, inner) + el("ResponseMetadata", text("RequestId", requestId)) + `</${action}Response>`,
};

/** Control API: make target-group health checks of these EC2 instances fail (or pass again); logged as a transition. */
export function setTargetsFailing(world: World, instanceIds: readonly string[], failing: boolean): void {
  const now = world.sync();
  world.schedule(now, { service: "elbv2", action: failing ? "HealthChecksFailing" : "HealthChecksPassing", params: { instanceIds } }, () => {
    for (const id of instanceIds) {
      if (failing) world.state.failingTargets.add(id);
      else world.state.failingTargets.delete(id);
    }
    return true;
  });
  world.sync();
}
