import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  paginateDescribeTargetGroups,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { HealthState, InstanceHealth, LoadBalancerMembers, LoadBalancers } from "../../deploy/ports.js";
import { CloudResourceNotFoundError } from "../../errors.js";
import { sendTranslated } from "../sdkErrors.js";
import { elbv2Requests as requests, isArn, type TargetRef } from "./requests.js";

export type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";

/** The answers that prove a target group (or load balancer) does not exist. */
export const targetGroupNotFound: ReadonlySet<string> = new Set(["TargetGroupNotFoundException", "TargetGroupNotFound"]);

/** A target group as a deploy plans with it. */
export interface TargetGroupInfo {
  readonly arn: string;
  readonly name: string;
  /** The port targets are registered on unless they name another. */
  readonly port: number;
  /** instance, ip, lambda or alb: only `instance` groups hold EC2 instances by id. */
  readonly targetType: string;
  readonly loadBalancerArns: readonly string[];
  readonly healthCheck: {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThresholdCount: number;
    readonly unhealthyThresholdCount: number;
  };
}

/** A registered target and its health, as ELBv2 reports it. */
export interface TargetHealthRow {
  readonly id: string;
  readonly port: number;
  /** initial, healthy, unhealthy, unused, draining, unavailable. */
  readonly state: string;
  readonly reason?: string;
}

/** Target groups asked for per DescribeTargetGroups page. */
const pageSize = 400;

/**
 * The one adapter on Elastic Load Balancing v2 (Application and Network Load Balancers),
 * on the caller's client: ELBv2 target groups as the rolling deploy's load balancers.
 * A "load balancer" of the deploy is one target group, named by its ARN, so "never the last
 * in service" holds per target group exactly as per classic load balancer.
 *
 * - health: `healthy` is InService; `draining` is out of service and draining; not
 *   registered (absent, or `Target.NotRegistered`) is unregistered; anything else is
 *   OutOfService (`unavailable`: Unknown);
 * - detach deregisters every registration of the instance (any port) not already draining;
 * - attach registers an instance on every port it is draining from, else on the group's port.
 *
 * Each reads only the instances it is about: DescribeTargetHealth naming them by id (no port,
 * so every registration of each comes back with its port), never the whole group, which only
 * `list` and `health` without ids read. So a rollout's step costs the same in a group of 10 or
 * 10,000. Nothing about targets is kept between calls (health and registrations change from
 * one step to the next); a group's ARN, name and port never change, and are kept per client
 * (`describedPorts`) so an attach in a later step need not describe the group again.
 *
 * Requests are built in requests.ts; pages are walked by the SDK's paginators; SDK errors
 * become CloudErrors in `call`. Retries are the client's own.
 */
export class TargetGroups implements LoadBalancers {
  private readonly resolved = new Map<string, TargetGroupInfo>();

  /** `only`: these target groups (ARNs or names); default every instance target group the credentials see. */
  constructor(
    private readonly client: ElasticLoadBalancingV2Client,
    private readonly only?: readonly string[],
  ) {}

  /** Every instance target group (or those given), with the instances registered in it (draining ones too). */
  async list(): Promise<LoadBalancerMembers[]> {
    const groups = (await this.groups(this.only)).filter((g) => g.targetType === "instance");
    return Promise.all(
      groups.map(async (g) => ({ name: g.arn, instances: unique((await this.targets(g.arn)).map((t) => t.id)) })),
    );
  }

  async health(name: string, instanceIds?: readonly string[]): Promise<InstanceHealth[]> {
    const arn = await this.arnOf(name);
    if (!instanceIds || instanceIds.length === 0) {
      const rows = await this.targets(arn);
      return byId(unique(rows.map((r) => r.id)), rows);
    }
    const ids = unique(instanceIds);
    return byId(ids, await this.targets(arn, ids));
  }

  async detach(name: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const arn = await this.arnOf(name);
    const ids = unique(instanceIds);
    let rows = await this.targets(arn, ids);
    // An instance asked about by id that answers no registration at all: AWS's reference does not
    // say that an id without a port answers every port it is registered on, so before taking it
    // for not registered (and deploying it while it serves), the group is read whole, once.
    if (ids.some((id) => !rows.some((r) => r.id === id))) rows = (await this.targets(arn)).filter((r) => ids.includes(r.id));
    // A retried detach must not fail on the registrations it already took out.
    const refs = rows.filter((t) => t.state !== "draining").map(({ id, port }) => ({ id, port }));
    if (refs.length === 0) return;
    await this.call(`DeregisterTargets(${nameOf(arn)})`, () => this.client.send(new DeregisterTargetsCommand(requests.deregister(arn, refs))));
  }

  async attach(name: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const arn = await this.arnOf(name);
    const ids = unique(instanceIds);
    const rows = await this.targets(arn, ids);
    const refs: TargetRef[] = [];
    let groupPort: number | undefined;
    for (const id of ids) {
      const own = rows.filter((r) => r.id === id);
      // Registered and not on its way out: leave it as it is (a repeated attach).
      if (own.some((r) => r.state !== "draining")) continue;
      // Back on every port it is draining from (an instance on two ports comes back on both), else on the group's.
      const draining = own.filter((r) => r.state === "draining");
      if (draining.length > 0) for (const r of draining) refs.push({ id, port: r.port });
      else refs.push({ id, port: (groupPort ??= await this.portOf(arn)) });
    }
    if (refs.length === 0) return;
    await this.call(`RegisterTargets(${nameOf(arn)})`, () => this.client.send(new RegisterTargetsCommand(requests.register(arn, refs))));
  }

  /**
   * The group's own timing, for a rollout's waits: its deregistration delay (the drain) and
   * its health check interval and healthy threshold (how soon a registered target is healthy).
   */
  async timing(name: string): Promise<{ readonly drainSeconds: number; readonly healthIntervalSeconds: number; readonly healthyThreshold: number }> {
    const group = await this.describe(name);
    return { drainSeconds: await this.deregistrationDelaySeconds(group.arn), healthIntervalSeconds: group.healthCheck.intervalSeconds, healthyThreshold: group.healthCheck.healthyThresholdCount };
  }

  /** The group's `deregistration_delay.timeout_seconds` (ELBv2's default, 300, when not reported). */
  async deregistrationDelaySeconds(name: string): Promise<number> {
    const group = await this.describe(name);
    const out = await this.call(`DescribeTargetGroupAttributes(${group.name})`, () =>
      this.client.send(new DescribeTargetGroupAttributesCommand(requests.describeAttributes(group.arn))),
    );
    const value = out.Attributes?.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value;
    const seconds = Number(value);
    return value !== undefined && Number.isFinite(seconds) ? seconds : 300;
  }

  /** One target group by ARN or name; CloudResourceNotFoundError only on ELBv2's TargetGroupNotFound. */
  async describe(ref: string): Promise<TargetGroupInfo> {
    const cached = this.resolved.get(ref);
    if (cached) return cached;
    const [group] = await this.groups([ref]);
    if (!group) throw new CloudResourceNotFoundError(`target group ${ref}: not in the answer`);
    return group;
  }

  /** A group's ARN: the reference itself when it is one (the deploy names groups by ARN), else described. */
  private async arnOf(ref: string): Promise<string> {
    return isArn(ref) ? ref : (await this.describe(ref)).arn;
  }

  /** The port a group registers targets on unless they name another: fixed at its creation, so kept per client. */
  private async portOf(arn: string): Promise<number> {
    const ports = describedPorts(this.client);
    const known = ports.get(arn);
    if (known !== undefined) return known;
    return (await this.describe(arn)).port;
  }

  /** Every target group (or those given, ARNs or names), all pages. */
  async groups(refs?: readonly string[]): Promise<TargetGroupInfo[]> {
    const found: TargetGroupInfo[] = [];
    const what = refs && refs.length > 0 ? `DescribeTargetGroups(${refs.join(", ")})` : "DescribeTargetGroups";
    await this.call(what, async () => {
      for await (const page of paginateDescribeTargetGroups({ client: this.client, pageSize }, requests.describeTargetGroups(refs))) {
        for (const g of page.TargetGroups ?? []) {
          const info = toInfo(g);
          if (!info) continue;
          found.push(info);
          this.resolved.set(info.arn, info);
          this.resolved.set(info.name, info);
          describedPorts(this.client).set(info.arn, info.port);
        }
      }
    });
    return found;
  }

  /**
   * The registrations, with their health, of the instances named (every port each is registered
   * on), or of every target in the group when none is named. At most `idsPerRequest` ids a
   * request, the requests at once.
   */
  async targets(targetGroupArn: string, instanceIds?: readonly string[]): Promise<TargetHealthRow[]> {
    const read = async (ids?: readonly string[]) => {
      const what = `DescribeTargetHealth(${nameOf(targetGroupArn)}${ids ? `, ${ids.length === 1 ? ids[0] ?? "" : `${ids.length} targets`}` : ""})`;
      const out = await this.call(what, () => this.client.send(new DescribeTargetHealthCommand(requests.describeTargetHealth(targetGroupArn, ids))));
      const asked = ids ? new Set(ids) : undefined;
      // Only the instances asked about, should an answer carry others.
      return (out.TargetHealthDescriptions ?? []).flatMap(toRow).filter((r) => !asked || asked.has(r.id));
    };
    if (!instanceIds || instanceIds.length === 0) return read();
    const ids = unique(instanceIds);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += idsPerRequest) chunks.push(ids.slice(i, i + idsPerRequest));
    return (await Promise.all(chunks.map(read))).flat();
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, targetGroupNotFound);
  }
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/** Targets named per DescribeTargetHealth request: a batch, or a plan's sample, in one. */
const idsPerRequest = 100;

/**
 * Each client's target groups' ports by ARN. A group's port is set when it is created and no
 * call changes it, and an ARN is never reused, so this cannot go stale; health and
 * registrations, which change between a rollout's steps, are never kept.
 */
const portsByClient = new WeakMap<ElasticLoadBalancingV2Client, Map<string, number>>();
function describedPorts(client: ElasticLoadBalancingV2Client): Map<string, number> {
  let ports = portsByClient.get(client);
  if (!ports) portsByClient.set(client, (ports = new Map()));
  return ports;
}

/** A group's name from its ARN (…:targetgroup/<name>/<id>), for messages; the reference itself otherwise. */
const nameOf = (ref: string): string => /:targetgroup\/([^/]+)\//.exec(ref)?.[1] ?? ref;

/** Each instance asked about, from its registrations among `rows` (none: not registered). */
const byId = (ids: readonly string[], rows: readonly TargetHealthRow[]): InstanceHealth[] => {
  const own = new Map<string, TargetHealthRow[]>();
  for (const r of rows) own.set(r.id, [...(own.get(r.id) ?? []), r]);
  return ids.map((id) => toHealth(id, own.get(id) ?? []));
};

function toInfo(g: TargetGroup): TargetGroupInfo | undefined {
  if (!g.TargetGroupArn || !g.TargetGroupName) return undefined;
  return {
    arn: g.TargetGroupArn,
    name: g.TargetGroupName,
    port: g.Port ?? 80,
    targetType: g.TargetType ?? "instance",
    loadBalancerArns: g.LoadBalancerArns ?? [],
    healthCheck: {
      intervalSeconds: g.HealthCheckIntervalSeconds ?? 30,
      timeoutSeconds: g.HealthCheckTimeoutSeconds ?? 5,
      healthyThresholdCount: g.HealthyThresholdCount ?? 5,
      unhealthyThresholdCount: g.UnhealthyThresholdCount ?? 2,
    },
  };
}

function toRow(d: TargetHealthDescription): TargetHealthRow[] {
  const id = d.Target?.Id;
  if (!id) return [];
  // ELBv2 answers "unused / Target.NotRegistered" for a target asked about by id that is not registered.
  if (d.TargetHealth?.Reason === "Target.NotRegistered") return [];
  return [{ id, port: d.Target?.Port ?? 0, state: d.TargetHealth?.State ?? "unavailable", ...(d.TargetHealth?.Reason !== undefined && { reason: d.TargetHealth.Reason }) }];
}

/** One instance's health in a group from its registrations (normally one; several when on several ports). */
function toHealth(instanceId: string, rows: readonly TargetHealthRow[]): InstanceHealth {
  if (rows.length === 0) return { instanceId, state: "OutOfService", unregistered: true, draining: false, description: "Target.NotRegistered" };
  const draining = rows.some((r) => r.state === "draining");
  const state: HealthState = rows.every((r) => r.state === "healthy") ? "InService" : rows.some((r) => r.state === "unavailable") ? "Unknown" : "OutOfService";
  const description = rows.map((r) => `${r.port}: ${r.state}${r.reason ? ` (${r.reason})` : ""}`).join(", ");
  return { instanceId, state, unregistered: false, draining, description };
}
