import {
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
  type ElasticLoadBalancingClient,
  type LoadBalancerDescription,
} from "@aws-sdk/client-elastic-load-balancing";
import type { HealthState, InstanceHealth, LoadBalancerMembers, LoadBalancerTiming, LoadBalancers } from "../../deploy/ports.js";
import { CloudResourceNotFoundError } from "../../errors.js";
import { sendTranslated } from "../sdkErrors.js";
import { elbRequests as requests } from "./requests.js";

export type { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";

/** LoadBalancerNotFound (the SDK's AccessPointNotFoundException): the load balancer does not exist. */
const loadBalancerNotFound: ReadonlySet<string> = new Set(["AccessPointNotFoundException"]);
/** For the deploy's calls, an instance the load balancer does not know (InvalidInstance) is not found too. */
const memberNotFound: ReadonlySet<string> = new Set(["AccessPointNotFoundException", "InvalidEndPointException"]);

const NOT_REGISTERED = /not (currently )?registered/i;
const DRAINING = /deregistration (currently )?in progress/i;

/**
 * The one adapter on Classic Elastic Load Balancing, on the caller's client: the deploy's
 * load balancers and what the orphan sweep needs. Requests are built in requests.ts,
 * pages are followed in `pages`, and every call goes through `call`, where SDK errors
 * become CloudErrors. Retries are the client's own (its `maxAttempts`); none are added here.
 */
export class ClassicElb implements LoadBalancers {
  constructor(private readonly client: ElasticLoadBalancingClient) {}

  async list(): Promise<LoadBalancerMembers[]> {
    const found: LoadBalancerMembers[] = [];
    for await (const lb of this.pages()) {
      if (lb.LoadBalancerName) found.push({ name: lb.LoadBalancerName, instances: members(lb) });
    }
    return found;
  }

  /** Every load balancer's name, all pages. */
  async names(): Promise<string[]> {
    const found: string[] = [];
    for await (const lb of this.pages()) if (lb.LoadBalancerName) found.push(lb.LoadBalancerName);
    return found;
  }

  async health(name: string, instanceIds?: readonly string[]): Promise<InstanceHealth[]> {
    const out = await this.call(`DescribeInstanceHealth(${name})`, memberNotFound, () =>
      this.client.send(new DescribeInstanceHealthCommand(requests.describeInstanceHealth(name, instanceIds))),
    );
    return (out.InstanceStates ?? []).map((s) => ({
      instanceId: s.InstanceId ?? "",
      state: toHealthState(s.State),
      unregistered: s.State !== "InService" && NOT_REGISTERED.test(s.Description ?? ""),
      draining: DRAINING.test(s.Description ?? ""),
      ...(s.Description !== undefined && { description: s.Description }),
    }));
  }

  async detach(name: string, instanceIds: readonly string[]): Promise<void> {
    // A retried detach must not fail on the instances it already took out.
    const registered = await this.members(name);
    const present = instanceIds.filter((id) => registered.has(id));
    if (present.length === 0) return;
    await this.call(`DeregisterInstancesFromLoadBalancer(${name})`, memberNotFound, () =>
      this.client.send(new DeregisterInstancesFromLoadBalancerCommand(requests.deregister(name, present))),
    );
  }

  async attach(name: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    // A repeated attach leaves registered instances alone (a draining one is not listed: it goes back).
    const registered = await this.members(name);
    const absent = instanceIds.filter((id) => !registered.has(id));
    if (absent.length === 0) return;
    await this.call(`RegisterInstancesWithLoadBalancer(${name})`, memberNotFound, () =>
      this.client.send(new RegisterInstancesWithLoadBalancerCommand(requests.register(name, absent))),
    );
  }

  /** Whether the load balancer exists: false only on LoadBalancerNotFound, the answer that proves absence. */
  /** ConnectionDraining (DescribeLoadBalancerAttributes) and HealthCheck (DescribeLoadBalancers) of one load balancer. */
  async timing(name: string): Promise<LoadBalancerTiming> {
    const [attributes, described] = await Promise.all([
      this.call(`DescribeLoadBalancerAttributes(${name})`, loadBalancerNotFound, () =>
        this.client.send(new DescribeLoadBalancerAttributesCommand(requests.describeAttributes(name))),
      ),
      this.call(`DescribeLoadBalancers(${name})`, loadBalancerNotFound, () => this.client.send(new DescribeLoadBalancersCommand(requests.describeOne(name)))),
    ]);
    const draining = attributes.LoadBalancerAttributes?.ConnectionDraining;
    const check = described.LoadBalancerDescriptions?.[0]?.HealthCheck;
    return {
      drainSeconds: draining?.Enabled === true ? (draining.Timeout ?? 300) : 0,
      healthIntervalSeconds: check?.Interval ?? 30,
      healthyThreshold: check?.HealthyThreshold ?? 10,
    };
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.call(`DescribeLoadBalancers(${name})`, loadBalancerNotFound, () => this.client.send(new DescribeLoadBalancersCommand(requests.describeOne(name))));
      return true;
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return false;
      throw error;
    }
  }

  /** DeleteLoadBalancer succeeds whether or not the load balancer exists: its answer proves nothing. */
  async delete(name: string): Promise<void> {
    await this.call(`DeleteLoadBalancer(${name})`, new Set(), () => this.client.send(new DeleteLoadBalancerCommand(requests.deleteLoadBalancer(name))));
  }

  private async members(name: string): Promise<Set<string>> {
    const out = await this.call(`DescribeLoadBalancers(${name})`, memberNotFound, () =>
      this.client.send(new DescribeLoadBalancersCommand(requests.describeOne(name))),
    );
    return new Set(members(out.LoadBalancerDescriptions?.[0] ?? {}));
  }

  /** Every load balancer, following NextMarker: the one place pages are walked. */
  private async *pages(): AsyncGenerator<LoadBalancerDescription> {
    let marker: string | undefined;
    do {
      const out = await this.call("DescribeLoadBalancers", memberNotFound, () => this.client.send(new DescribeLoadBalancersCommand(requests.describeAll(marker))));
      yield* out.LoadBalancerDescriptions ?? [];
      marker = out.NextMarker;
    } while (marker);
  }

  private call<T>(what: string, notFound: ReadonlySet<string>, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, notFound);
  }
}

function members(lb: LoadBalancerDescription): string[] {
  return (lb.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
}

function toHealthState(state: string | undefined): HealthState {
  return state === "InService" || state === "OutOfService" ? state : "Unknown";
}
