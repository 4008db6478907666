/** A target group ARN as people read it: `targetgroup/<name>`; other names (classic load balancers) as they are. */
export function loadBalancerLabel(name: string): string {
  return /:(targetgroup\/[^/]+)\/[0-9a-f]+$/.exec(name)?.[1] ?? name;
}
