import type { Deployment, DeploymentFailure, DeploymentRequest, DeployTarget, LocatedIds, TargetInstance } from "../../deploy/ports.js";
import { CloudResourceNotFoundError } from "../../errors.js";
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
 * command sent to a batch; its id is the command id. It fails as soon as one instance's
 * invocation has ended without succeeding, naming the instances that did not succeed (and
 * their exit codes, from GetCommandInvocation); it succeeds when every one succeeded, and is
 * running until then.
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
   * The selection and the command stand in for OpsWorks' layer and app: the selection exists
   * by construction (an empty one is refused by the fleet check's instance listing); the
   * command's document is the app, found when DescribeDocument finds it (the shell document
   * is not asked about).
   */
  async locate(ids: { readonly stackId: string }): Promise<LocatedIds> {
    const command = this.spec.command;
    const found = !("document" in command) || (await this.ssm.documentExists(command.document));
    return { stackExists: true, layerStackId: ids.stackId, ...(found && { appStackId: ids.stackId }) };
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

  /**
   * With the batch's instances: one GetCommandInvocation per instance and nothing else (an
   * invocation SSM does not show yet is pending). Without: the command and its invocations.
   */
  async getDeployment(deploymentId: string, instanceIds?: readonly string[]): Promise<Deployment> {
    if (instanceIds !== undefined && instanceIds.length > 0) {
      const invocations = await Promise.all(instanceIds.map((id) => this.invocationOrPending(deploymentId, id)));
      return judge({ deploymentId, instanceIds: [...instanceIds] }, invocations, (inv) => Promise.resolve(failureOf(inv)));
    }
    const [command, invocations] = await Promise.all([this.ssm.command(deploymentId), this.ssm.invocations(deploymentId)]);
    return this.toDeployment(command, invocations);
  }

  private async invocationOrPending(commandId: string, instanceId: string): Promise<Invocation> {
    try {
      return await this.ssm.invocation(commandId, instanceId);
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return { commandId, instanceId, status: "Pending" };
      throw error;
    }
  }

  /** Commands carrying the comment (as SSM keeps it, at most 100 characters), newest first. */
  async findDeployments(_appId: string, comment: string): Promise<Deployment[]> {
    const commands = await this.ssm.commandsWithComment(comment);
    return Promise.all(commands.map(async (c) => this.toDeployment(c, await this.ssm.invocations(c.commandId))));
  }

  private toDeployment(command: RunCommand, invocations: readonly Invocation[]): Promise<Deployment> {
    const instanceIds = command.instanceIds.length > 0 ? command.instanceIds : invocations.map((i) => i.instanceId);
    const base = { deploymentId: command.commandId, instanceIds, ...(command.comment !== undefined && { comment: command.comment }) };
    return judge(base, invocations, (inv) => this.failure(inv));
  }

  /** How one invocation failed: its status and, when SSM still has it, its exit code and error output. */
  private async failure(inv: Invocation): Promise<DeploymentFailure> {
    try {
      return failureOf(await this.ssm.invocation(inv.commandId, inv.instanceId));
    } catch {
      // The listing already proved the failure; the detail is a courtesy.
      return { instanceId: inv.instanceId, status: inv.status, ...(inv.statusDetails !== undefined && { detail: inv.statusDetails }) };
    }
  }
}

/** A failed invocation as GetCommandInvocation told it: status, exit code and the end of its error output. */
function failureOf(inv: Invocation): DeploymentFailure {
  const parts = [inv.responseCode !== undefined && inv.responseCode >= 0 ? `exit code ${inv.responseCode}` : undefined, inv.error?.trim() || undefined].filter(Boolean);
  return { instanceId: inv.instanceId, status: inv.status, ...(parts.length > 0 ? { detail: parts.join(": ") } : inv.statusDetails !== undefined && inv.statusDetails !== inv.status ? { detail: inv.statusDetails } : {}) };
}

/**
 * A command's state from its batch's invocations: failed as soon as one has ended without
 * succeeding (naming those), successful when every one succeeded, else running.
 */
async function judge(
  base: { readonly deploymentId: string; readonly instanceIds: readonly string[]; readonly comment?: string },
  invocations: readonly Invocation[],
  failure: (inv: Invocation) => Promise<DeploymentFailure>,
): Promise<Deployment> {
  const byInstance = new Map(invocations.map((i) => [i.instanceId, i]));
  const ended = base.instanceIds.flatMap((id) => {
    const inv = byInstance.get(id);
    return inv !== undefined && isTerminalStatus(inv.status) ? [inv] : [];
  });
  const failed = ended.filter((inv) => inv.status !== "Success");
  if (failed.length > 0) return { ...base, status: "failed", failures: await Promise.all(failed.map(failure)) };
  if (base.instanceIds.length > 0 && ended.length === base.instanceIds.length) return { ...base, status: "successful" };
  return { ...base, status: "running" };
}
