import { DescribeInstancesCommand, TerminateInstancesCommand, paginateDescribeInstances, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { CloudResourceNotFoundError, CloudUnavailableError } from "../../errors.js";
import { sendTranslated } from "../sdkErrors.js";
import { ec2Requests as requests, type InstanceSelection } from "./requests.js";

export type { EC2Client } from "@aws-sdk/client-ec2";

/** EC2's answer for an instance id it does not know: the only proof an instance is gone. */
const notFound: ReadonlySet<string> = new Set(["InvalidInstanceID.NotFound"]);

/** An EC2 instance as Scythe needs it. */
export interface Ec2Instance {
  readonly instanceId: string;
  /** Its `Name` tag, if it has one. */
  readonly name?: string;
  /** pending, running, stopping, stopped, shutting-down, terminated. */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** DescribeInstances pages of up to this many instances. */
const pageSize = 1000;

/**
 * The one adapter on Amazon EC2, on the caller's client: the instances a deploy selects
 * (by Auto Scaling group or tags, running only), and the orphan sweep's listing and
 * termination. Requests are built in requests.ts; pages are walked by the SDK's
 * paginator; SDK errors become CloudErrors in `call`. Retries are the client's own.
 */
export class Ec2Instances {
  constructor(private readonly client: EC2Client) {}

  /** Running instances of the selection, every page, ordered by instance id. */
  async running(selection: InstanceSelection): Promise<Ec2Instance[]> {
    const what = "asg" in selection ? `DescribeInstances(asg ${selection.asg})` : `DescribeInstances(tags ${JSON.stringify(selection.tags)})`;
    const found = await this.all(what, requests.runningInstances(selection));
    return found.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  /** Instances not terminated whose Name tag starts with `prefix`. */
  async namedLike(prefix: string): Promise<Ec2Instance[]> {
    return this.all(`DescribeInstances(Name ${prefix}*)`, requests.namedLike(prefix));
  }

  /**
   * The instance's state (terminated included), or undefined when EC2 proved it does not
   * exist (InvalidInstanceID.NotFound). An answer without it proves nothing: try again later.
   */
  async state(instanceId: string): Promise<string | undefined> {
    const what = `DescribeInstances(${instanceId})`;
    try {
      const out = await this.call(what, () => this.client.send(new DescribeInstancesCommand(requests.describeInstance(instanceId))));
      const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
      const state = instance?.State?.Name;
      if (state === undefined) throw new CloudUnavailableError(`${what}: the answer did not include it or its state`);
      return state;
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return undefined;
      throw error;
    }
  }

  /** Starts terminating; "already-gone" only on EC2's proof that the id does not exist. */
  async terminate(instanceId: string): Promise<"terminating" | "already-gone"> {
    try {
      await this.call(`TerminateInstances(${instanceId})`, () => this.client.send(new TerminateInstancesCommand(requests.terminate(instanceId))));
      return "terminating";
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return "already-gone";
      throw error;
    }
  }

  private async all(what: string, input: ReturnType<typeof requests.runningInstances>): Promise<Ec2Instance[]> {
    const found: Ec2Instance[] = [];
    await this.call(what, async () => {
      for await (const page of paginateDescribeInstances({ client: this.client, pageSize }, input)) {
        for (const instance of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
          const mapped = toInstance(instance);
          if (mapped) found.push(mapped);
        }
      }
    });
    return found;
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, notFound);
  }
}

function toInstance(i: Instance): Ec2Instance | undefined {
  if (!i.InstanceId) return undefined;
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  const name = tags.Name;
  return { instanceId: i.InstanceId, state: i.State?.Name ?? "unknown", tags, ...(name !== undefined && { name }) };
}
