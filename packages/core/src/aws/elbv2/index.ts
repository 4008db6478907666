export { Elbv2LoadBalancerInventory, TargetGroupInventory } from "./Elbv2Inventories.js";
export { Elbv2Teardown, type Elbv2Resource } from "./Elbv2Teardown.js";
export { TargetGroups, targetGroupNotFound, type ElasticLoadBalancingV2Client, type TargetGroupInfo, type TargetHealthRow } from "./TargetGroups.js";
export { elbv2Requests, isArn, type TargetRef } from "./requests.js";
