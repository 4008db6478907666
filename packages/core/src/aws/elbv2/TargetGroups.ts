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
import { elbv2Requests as requests, type TargetRef } from "./requests.js";

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
 * - attach registers an instance on the port it is draining from, else on the group's port.
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
    const group = await this.describe(name);
    const rows = await this.targets(group.arn);
    const ids = instanceIds && instanceIds.length > 0 ? unique(instanceIds) : unique(rows.map((r) => r.id));
    return ids.map((id) => toHealth(id, rows.filter((r) => r.id === id)));
  }

  async detach(name: string, instanceIds: readonly string[]): Promise<void> {
    const group = await this.describe(name);
    const wanted = new Set(instanceIds);
    // A retried detach must not fail on the registrations it already took out.
    const refs = (await this.targets(group.arn)).filter((t) => wanted.has(t.id) && t.state !== "draining").map(({ id, port }) => ({ id, port }));
    if (refs.length === 0) return;
    await this.call(`DeregisterTargets(${group.name})`, () => this.client.send(new DeregisterTargetsCommand(requests.deregister(group.arn, refs))));
  }

  async attach(name: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const group = await this.describe(name);
    const rows = await this.targets(group.arn);
    const refs: TargetRef[] = [];
    for (const id of unique(instanceIds)) {
      const own = rows.filter((r) => r.id === id);
      // Registered and not on its way out: leave it as it is (a repeated attach).
      if (own.some((r) => r.state !== "draining")) continue;
      const draining = own.find((r) => r.state === "draining");
      refs.push({ id, port: draining?.port ?? group.port });
    }
    if (refs.length === 0) return;
    await this.call(`RegisterTargets(${group.name})`, () => this.client.send(new RegisterTargetsCommand(requests.register(group.arn, refs))));
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
        }
      }
    });
    return found;
  }

  /** Every registration of the group with its health. */
  async targets(targetGroupArn: string): Promise<TargetHealthRow[]> {
    const out = await this.call(`DescribeTargetHealth(${targetGroupArn})`, () => this.client.send(new DescribeTargetHealthCommand(requests.describeTargetHealth(targetGroupArn))));
    return (out.TargetHealthDescriptions ?? []).flatMap(toRow);
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, targetGroupNotFound);
  }
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

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
