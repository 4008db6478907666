import type { AttributeRule } from "../Blueprint.js";

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const elbv2Arn = (resource: string) => new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${resource}/[0-9a-f]+$`);

/**
 * The shapes of the ids the shipped teardowns act on, as AWS and Heroku document them. A
 * resource whose id cannot be one of these would only fail at its expiry, long after the
 * person who typed it has gone.
 */
export const teardownAttributes = {
  opsworksInstanceId: { pattern: new RegExp(`^${uuid}$`, "i"), means: "an OpsWorks instance id (a UUID)" },
  herokuApp: { pattern: new RegExp(`^(?:[a-z][a-z0-9-]{2,29}|${uuid})$`), means: "a Heroku app name (3-30 lowercase letters, digits and dashes, starting with a letter) or app id (a UUID)" },
  ec2InstanceId: { pattern: /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, means: "an EC2 instance id (i- and 8 or 17 hex digits)" },
  elbv2LoadBalancerArn: { pattern: elbv2Arn("loadbalancer/(?:app|net|gwy)/[A-Za-z0-9-]{1,32}"), means: "an ELBv2 load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app|net/NAME/ID)" },
  targetGroupArn: { pattern: elbv2Arn("targetgroup/[A-Za-z0-9-]{1,32}"), means: "an ELBv2 target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)" },
} as const satisfies Record<string, AttributeRule>;
