import type { InstanceHealth, LoadBalancerMembers, LoadBalancers, LoadBalancerTiming } from "./ports.js";

/** Whether a deploy's load balancer name is an ELBv2 target group's ARN (else a classic load balancer's name). */
export const isTargetGroupArn = (name: string): boolean => /^arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:targetgroup\//.test(name);

/**
 * Classic load balancers and ELBv2 target groups behind one port: a name that is a target
 * group's ARN goes to the target groups, any other to classic ELB. What a cleanup or a
 * recovery needs, which knows a rollout only by the names its plan recorded. `list` is the
 * classic load balancers' (an OpsWorks rollout's); an EC2 rollout lists target groups itself.
 */
export class RoutedLoadBalancers implements LoadBalancers {
  constructor(
    private readonly classic: LoadBalancers,
    private readonly targetGroups: LoadBalancers,
  ) {}

  private of(name: string): LoadBalancers {
    return isTargetGroupArn(name) ? this.targetGroups : this.classic;
  }

  list(): Promise<LoadBalancerMembers[]> {
    return this.classic.list();
  }

  health(name: string, instanceIds?: readonly string[]): Promise<InstanceHealth[]> {
    return this.of(name).health(name, instanceIds);
  }

  detach(name: string, instanceIds: readonly string[]): Promise<void> {
    return this.of(name).detach(name, instanceIds);
  }

  attach(name: string, instanceIds: readonly string[]): Promise<void> {
    return this.of(name).attach(name, instanceIds);
  }

  async timing(name: string): Promise<LoadBalancerTiming> {
    const lbs = this.of(name);
    if (!lbs.timing) throw new RangeError(`no timing for ${name}`);
    return lbs.timing(name);
  }
}
