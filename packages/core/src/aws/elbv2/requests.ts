import type {
  DeleteLoadBalancerCommandInput,
  DeleteTargetGroupCommandInput,
  DeregisterTargetsCommandInput,
  DescribeLoadBalancersCommandInput,
  DescribeTargetGroupAttributesCommandInput,
  DescribeTargetGroupsCommandInput,
  DescribeTargetHealthCommandInput,
  RegisterTargetsCommandInput,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/** A target as ELBv2 knows it: an instance id on a port. */
export interface TargetRef {
  readonly id: string;
  readonly port: number;
}

const targets = (refs: readonly TargetRef[]) => refs.map((r) => ({ Id: r.id, Port: r.port }));

/** Whether a target group reference is an ARN (else it is a name). */
export const isArn = (ref: string): boolean => ref.startsWith("arn:");

/**
 * Every ELBv2 request Scythe sends, built as data: pure functions of their arguments, so
 * a test can assert the exact input without sending anything. Pages are walked by the
 * SDK's paginators (Marker).
 */
export const elbv2Requests = {
  /** Every target group, or the ones named (ARNs or names, not mixed: ELBv2 takes one or the other). */
  describeTargetGroups: (refs?: readonly string[]): DescribeTargetGroupsCommandInput => {
    if (!refs || refs.length === 0) return {};
    return refs.every(isArn) ? { TargetGroupArns: [...refs] } : { Names: [...refs] };
  },
  targetGroupsOfLoadBalancer: (loadBalancerArn: string): DescribeTargetGroupsCommandInput => ({ LoadBalancerArn: loadBalancerArn }),
  /**
   * Health of the targets named by id (each of its registrations, on whatever port; one not
   * registered answers unused / Target.NotRegistered), or of every registered target when none
   * is named.
   */
  describeTargetHealth: (targetGroupArn: string, ids?: readonly string[]): DescribeTargetHealthCommandInput =>
    ids && ids.length > 0 ? { TargetGroupArn: targetGroupArn, Targets: ids.map((Id) => ({ Id })) } : { TargetGroupArn: targetGroupArn },
  describeAttributes: (targetGroupArn: string): DescribeTargetGroupAttributesCommandInput => ({ TargetGroupArn: targetGroupArn }),
  deregister: (targetGroupArn: string, refs: readonly TargetRef[]): DeregisterTargetsCommandInput => ({ TargetGroupArn: targetGroupArn, Targets: targets(refs) }),
  register: (targetGroupArn: string, refs: readonly TargetRef[]): RegisterTargetsCommandInput => ({ TargetGroupArn: targetGroupArn, Targets: targets(refs) }),
  describeLoadBalancers: (): DescribeLoadBalancersCommandInput => ({}),
  describeLoadBalancer: (arn: string): DescribeLoadBalancersCommandInput => ({ LoadBalancerArns: [arn] }),
  deleteLoadBalancer: (arn: string): DeleteLoadBalancerCommandInput => ({ LoadBalancerArn: arn }),
  deleteTargetGroup: (arn: string): DeleteTargetGroupCommandInput => ({ TargetGroupArn: arn }),
};
