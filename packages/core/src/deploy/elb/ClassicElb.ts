import {
  AccessPointNotFoundException,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancersCommand,
  InvalidEndPointException,
  RegisterInstancesWithLoadBalancerCommand,
  type ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import { notFound, translateCloudError } from "../awsErrors.js";
import type { HealthState, InstanceHealth, LoadBalancerMembers, LoadBalancers } from "../ports.js";

const NOT_REGISTERED = /not (currently )?registered/i;
const DRAINING = /deregistration (currently )?in progress/i;

/** LoadBalancers on Classic Elastic Load Balancing: one client, given by the caller. */
export class ClassicElb implements LoadBalancers {
  constructor(private readonly client: ElasticLoadBalancingClient) {}

  async list(): Promise<LoadBalancerMembers[]> {
    const found: LoadBalancerMembers[] = [];
    let marker: string | undefined;
    do {
      const out = await this.call("DescribeLoadBalancers", () =>
        this.client.send(new DescribeLoadBalancersCommand({ Marker: marker })),
      );
      for (const lb of out.LoadBalancerDescriptions ?? []) {
        if (!lb.LoadBalancerName) continue;
        const instances = (lb.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
        found.push({ name: lb.LoadBalancerName, instances });
      }
      marker = out.NextMarker;
    } while (marker);
    return found;
  }

  async health(name: string, instanceIds?: readonly string[]): Promise<InstanceHealth[]> {
    const out = await this.call(`DescribeInstanceHealth(${name})`, () =>
      this.client.send(
        new DescribeInstanceHealthCommand({
          LoadBalancerName: name,
          ...(instanceIds && instanceIds.length > 0 && { Instances: instanceIds.map((InstanceId) => ({ InstanceId })) }),
        }),
      ),
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
    const members = await this.members(name);
    const present = instanceIds.filter((id) => members.has(id));
    if (present.length === 0) return;
    await this.call(`DeregisterInstancesFromLoadBalancer(${name})`, () =>
      this.client.send(
        new DeregisterInstancesFromLoadBalancerCommand({
          LoadBalancerName: name,
          Instances: present.map((InstanceId) => ({ InstanceId })),
        }),
      ),
    );
  }

  async attach(name: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    // A repeated attach leaves registered instances alone (a draining one is not listed: it goes back).
    const members = await this.members(name);
    const absent = instanceIds.filter((id) => !members.has(id));
    if (absent.length === 0) return;
    await this.call(`RegisterInstancesWithLoadBalancer(${name})`, () =>
      this.client.send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: name,
          Instances: absent.map((InstanceId) => ({ InstanceId })),
        }),
      ),
    );
  }

  private async members(name: string): Promise<Set<string>> {
    const out = await this.call(`DescribeLoadBalancers(${name})`, () =>
      this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [name] })),
    );
    const lb = out.LoadBalancerDescriptions?.[0];
    return new Set((lb?.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])));
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof AccessPointNotFoundException) throw notFound(what, error);
      if (error instanceof InvalidEndPointException) throw notFound(what, error);
      throw translateCloudError(what, error);
    }
  }
}

function toHealthState(state: string | undefined): HealthState {
  return state === "InService" || state === "OutOfService" ? state : "Unknown";
}
