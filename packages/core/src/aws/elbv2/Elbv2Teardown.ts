import {
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudResourceNotFoundError } from "../../errors.js";
import { sendTranslated, translateSdkError } from "../sdkErrors.js";
import { elbv2Requests as requests } from "./requests.js";

/** An ELBv2 load balancer or target group: its name (Scythe's scheme lives there) and its ARN. */
export interface Elbv2Resource {
  readonly arn: string;
  readonly name: string;
}

/** Only these answers prove absence: both deletes succeed whether or not the thing exists. */
const loadBalancerNotFound: ReadonlySet<string> = new Set(["LoadBalancerNotFoundException", "LoadBalancerNotFound"]);
const targetGroupNotFound: ReadonlySet<string> = new Set(["TargetGroupNotFoundException", "TargetGroupNotFound"]);
const inUse: ReadonlySet<string> = new Set(["ResourceInUseException", "ResourceInUse"]);

/**
 * ELBv2 load balancers and target groups for the orphan sweep and the teardown blueprints:
 * listing (every page), existence (false only on the API's not-found answer), deletion.
 */
export class Elbv2Teardown {
  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  async loadBalancers(): Promise<Elbv2Resource[]> {
    const found: Elbv2Resource[] = [];
    await this.call("DescribeLoadBalancers", new Set(), async () => {
      for await (const page of paginateDescribeLoadBalancers({ client: this.client, pageSize: 400 }, requests.describeLoadBalancers())) {
        for (const lb of page.LoadBalancers ?? []) if (lb.LoadBalancerArn && lb.LoadBalancerName) found.push({ arn: lb.LoadBalancerArn, name: lb.LoadBalancerName });
      }
    });
    return found;
  }

  async targetGroups(): Promise<Elbv2Resource[]> {
    const found: Elbv2Resource[] = [];
    await this.call("DescribeTargetGroups", new Set(), async () => {
      for await (const page of paginateDescribeTargetGroups({ client: this.client, pageSize: 400 }, requests.describeTargetGroups())) {
        for (const tg of page.TargetGroups ?? []) if (tg.TargetGroupArn && tg.TargetGroupName) found.push({ arn: tg.TargetGroupArn, name: tg.TargetGroupName });
      }
    });
    return found;
  }

  /** False only on LoadBalancerNotFound. */
  async loadBalancerExists(arn: string): Promise<boolean> {
    return exists(this.call(`DescribeLoadBalancers(${arn})`, loadBalancerNotFound, () => this.client.send(new DescribeLoadBalancersCommand(requests.describeLoadBalancer(arn)))));
  }

  /** False only on TargetGroupNotFound. */
  async targetGroupExists(arn: string): Promise<boolean> {
    return exists(this.call(`DescribeTargetGroups(${arn})`, targetGroupNotFound, () => this.client.send(new DescribeTargetGroupsCommand(requests.describeTargetGroups([arn])))));
  }

  /** Deletes it (and its listeners). Succeeds whether or not it exists: its answer proves nothing. */
  async deleteLoadBalancer(arn: string): Promise<void> {
    await this.call(`DeleteLoadBalancer(${arn})`, new Set(), () => this.client.send(new DeleteLoadBalancerCommand(requests.deleteLoadBalancer(arn))));
  }

  /**
   * Deletes it; "in-use" when a listener or rule still forwards to it (ResourceInUse: its
   * load balancer must go first). Succeeds whether or not it exists.
   */
  async deleteTargetGroup(arn: string): Promise<"deleted" | "in-use"> {
    try {
      await this.client.send(new DeleteTargetGroupCommand(requests.deleteTargetGroup(arn)));
      return "deleted";
    } catch (error) {
      if (error instanceof Error && inUse.has(error.name)) return "in-use";
      throw translateSdkError(`DeleteTargetGroup(${arn})`, error);
    }
  }

  private call<T>(what: string, notFound: ReadonlySet<string>, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, notFound);
  }
}

async function exists(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (error instanceof CloudResourceNotFoundError) return false;
    throw error;
  }
}
