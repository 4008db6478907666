import type {
  DeleteLoadBalancerCommandInput,
  DeregisterInstancesFromLoadBalancerCommandInput,
  DescribeInstanceHealthCommandInput,
  DescribeLoadBalancerAttributesCommandInput,
  DescribeLoadBalancersCommandInput,
  RegisterInstancesWithLoadBalancerCommandInput,
} from "@aws-sdk/client-elastic-load-balancing";

const instances = (instanceIds: readonly string[]) => instanceIds.map((InstanceId) => ({ InstanceId }));

/**
 * Every classic ELB request Scythe sends, built as data: pure functions of their arguments,
 * so a test can assert the exact input without sending anything.
 */
export const elbRequests = {
  /** One page of every load balancer; `marker` is the previous page's NextMarker. */
  describeAll: (marker?: string): DescribeLoadBalancersCommandInput => ({ Marker: marker }),
  describeOne: (name: string): DescribeLoadBalancersCommandInput => ({ LoadBalancerNames: [name] }),
  /** Health of the given instances, or of every registered one when none are given. */
  describeInstanceHealth: (name: string, instanceIds?: readonly string[]): DescribeInstanceHealthCommandInput => ({
    LoadBalancerName: name,
    ...(instanceIds && instanceIds.length > 0 && { Instances: instances(instanceIds) }),
  }),
  deregister: (name: string, instanceIds: readonly string[]): DeregisterInstancesFromLoadBalancerCommandInput => ({
    LoadBalancerName: name,
    Instances: instances(instanceIds),
  }),
  register: (name: string, instanceIds: readonly string[]): RegisterInstancesWithLoadBalancerCommandInput => ({
    LoadBalancerName: name,
    Instances: instances(instanceIds),
  }),
  describeAttributes: (name: string): DescribeLoadBalancerAttributesCommandInput => ({ LoadBalancerName: name }),
  deleteLoadBalancer: (name: string): DeleteLoadBalancerCommandInput => ({ LoadBalancerName: name }),
};
