import type { Deployment, DeploymentFailure, DeploymentRequest, DeployTarget, LocatedIds, TargetInstance } from "../../deploy/ports.js";
import type { Ec2Instances } from "../ec2/Ec2Instances.js";
import type { InstanceSelection } from "../ec2/requests.js";
import type { CommandSpec } from "./requests.js";
import { isTerminalStatus, type Invocation, type RunCommand, type SsmRunCommand } from "./SsmRunCommand.js";

/** What an EC2 rolling deploy runs where. */
export interface Ec2DeploySpec {
  readonly selection: InstanceSelection;
  readonly command: CommandSpec;
}

/**
 * The rolling deploy's target on plain EC2: the running instances of an Auto Scaling
 * group (or carrying given tags), deployed to by an SSM Run Command. A deployment is one
 * command sent to a batch; its id is the command id. It is running until every instance's
 * invocation has ended, then successful if every one succeeded, else failed, naming each
 * instance that did not succeed (and its exit code, from GetCommandInvocation).
 *
 * An instance's id, hostname and endpoint are its EC2 instance id (hostname: its Name tag
 * when it has one); a running instance is "online".
 */
export class Ec2SsmTarget implements DeployTarget {
  constructor(
    private readonly ec2: Ec2Instances,
    private readonly ssm: SsmRunCommand,
    private readonly spec: Ec2DeploySpec,
  ) {}

  /**
   * The selection and the command stand in for OpsWorks' layer and app, and exist by
   * construction: an empty selection is refused by the fleet check's instance listing.
   */
  locate(ids: { readonly stackId: string }): Promise<LocatedIds> {
    return Promise.resolve({ stackExists: true, layerStackId: ids.stackId, appStackId: ids.stackId });
  }

  /** The selection's running instances, by hostname then id (the arguments are OpsWorks' and unused). */
  async listInstances(): Promise<TargetInstance[]> {
    const running = await this.ec2.running(this.spec.selection);
    return running
      .map((i) => ({ instanceId: i.instanceId, hostname: i.name ?? i.instanceId, status: "online", endpointId: i.instanceId }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.instanceId.localeCompare(b.instanceId));
  }

  /** Sends the command to the batch; `migrate` is OpsWorks' and means nothing here. */
  startDeployment(request: DeploymentRequest): Promise<string> {
    return this.ssm.send(this.spec.command, request.instanceIds, request.comment);
  }

  async getDeployment(deploymentId: string): Promise<Deployment> {
    const [command, invocations] = await Promise.all([this.ssm.command(deploymentId), this.ssm.invocations(deploymentId)]);
    return this.toDeployment(command, invocations);
  }

  /** Commands carrying the comment (as SSM keeps it, at most 100 characters), newest first. */
  async findDeployments(_appId: string, comment: string): Promise<Deployment[]> {
    const commands = await this.ssm.commandsWithComment(comment);
    return Promise.all(commands.map(async (c) => this.toDeployment(c, await this.ssm.invocations(c.commandId))));
  }

  private async toDeployment(command: RunCommand, invocations: readonly Invocation[]): Promise<Deployment> {
    const byInstance = new Map(invocations.map((i) => [i.instanceId, i]));
    const instanceIds = command.instanceIds.length > 0 ? command.instanceIds : [...byInstance.keys()];
    const base = { deploymentId: command.commandId, instanceIds, ...(command.comment !== undefined && { comment: command.comment }) };
    const ended = instanceIds.every((id) => {
      const status = byInstance.get(id)?.status;
      return status !== undefined && isTerminalStatus(status);
    });
    if (!ended || instanceIds.length === 0) return { ...base, status: "running" };
    const failed = instanceIds.flatMap((id) => {
      const inv = byInstance.get(id);
      return inv && inv.status !== "Success" ? [inv] : [];
    });
    if (failed.length === 0) return { ...base, status: "successful" };
    const failures = await Promise.all(failed.map((inv) => this.failure(inv)));
    return { ...base, status: "failed", failures };
  }

  /** How one invocation failed: its status and, when SSM still has it, its exit code and error output. */
  private async failure(inv: Invocation): Promise<DeploymentFailure> {
    try {
      const detail = await this.ssm.invocation(inv.commandId, inv.instanceId);
      const parts = [detail.responseCode !== undefined && detail.responseCode >= 0 ? `exit code ${detail.responseCode}` : undefined, detail.error?.trim() || undefined].filter(Boolean);
      return { instanceId: inv.instanceId, status: detail.status, ...(parts.length > 0 && { detail: parts.join(": ") }) };
    } catch {
      // The listing already proved the failure; the detail is a courtesy.
      return { instanceId: inv.instanceId, status: inv.status, ...(inv.statusDetails !== undefined && { detail: inv.statusDetails }) };
    }
  }
}
