export { TargetGroups, targetGroupNotFound, type ElasticLoadBalancingV2Client, type TargetGroupInfo, type TargetHealthRow } from "./TargetGroups.js";
export { elbv2Requests, isArn, type TargetRef } from "./requests.js";
