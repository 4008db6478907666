import type { DescribeInstancesCommandInput, Filter, TerminateInstancesCommandInput } from "@aws-sdk/client-ec2";

/** The tag EC2 Auto Scaling puts on every instance it launches. */
export const asgTagKey = "aws:autoscaling:groupName";

/** Which running instances a deploy or a sweep means: an Auto Scaling group, or tags that must all match. */
export type InstanceSelection = { readonly asg: string } | { readonly tags: Readonly<Record<string, string>> };

const running: Filter = { Name: "instance-state-name", Values: ["running"] };

/** The filters of a selection: running only, plus the group's tag or every tag given. */
export function selectionFilters(selection: InstanceSelection): Filter[] {
  const tags = "asg" in selection ? { [asgTagKey]: selection.asg } : selection.tags;
  return [running, ...Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }))];
}

/**
 * Every EC2 request Scythe sends, built as data: pure functions of their arguments, so a
 * test can assert the exact input without sending anything. Pages are walked by the SDK's
 * paginator (NextToken); MaxResults is its page size.
 */
export const ec2Requests = {
  /** Running instances of a selection (one page; the paginator adds NextToken). */
  runningInstances: (selection: InstanceSelection): DescribeInstancesCommandInput => ({ Filters: selectionFilters(selection) }),
  /**
   * Instances not terminated whose Name tag starts with `prefix` (the sweep's listing; EC2
   * filters take `*` wildcards). The sweep still checks each name against the scheme itself.
   */
  namedLike: (prefix: string): DescribeInstancesCommandInput => ({
    Filters: [
      { Name: "tag:Name", Values: [`${prefix}*`] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ],
  }),
  describeInstance: (instanceId: string): DescribeInstancesCommandInput => ({ InstanceIds: [instanceId] }),
  terminate: (instanceId: string): TerminateInstancesCommandInput => ({ InstanceIds: [instanceId] }),
};
