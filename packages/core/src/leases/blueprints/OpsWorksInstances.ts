import {
  DeleteInstanceCommand,
  DescribeInstancesCommand,
  ResourceNotFoundException,
  StopInstanceCommand,
  type OpsWorksClient,
} from "@aws-sdk/client-opsworks";
import { PermanentDestroyError, TransientDestroyError } from "../errors.js";

/** The OpsWorks calls an instance teardown needs. */
export interface InstanceTeardown {
  /** The instance's status, or undefined when it does not exist. */
  status(instanceId: string): Promise<string | undefined>;
  stop(instanceId: string): Promise<void>;
  delete(instanceId: string): Promise<"deleted" | "already-gone">;
}

const transientNames = new Set(["ThrottlingException", "Throttling", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "RequestLimitExceeded"]);

/** InstanceTeardown on one OpsWorks client; SDK errors become teardown errors here and only here. */
export class OpsWorksInstances implements InstanceTeardown {
  constructor(private readonly client: OpsWorksClient) {}

  /**
   * Only ResourceNotFoundException proves the instance is gone (AWS's answer for an unknown
   * id). An answer that merely lacks it, or lacks its status, proves nothing: try again later.
   */
  async status(instanceId: string): Promise<string | undefined> {
    let out;
    try {
      out = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw translate(error, `describe instance ${instanceId}`);
    }
    const status = out.Instances?.find((i) => i.InstanceId === instanceId)?.Status;
    if (status === undefined) throw new TransientDestroyError(`describe instance ${instanceId}: the answer did not include it or its status`);
    return status;
  }

  async stop(instanceId: string): Promise<void> {
    try {
      await this.client.send(new StopInstanceCommand({ InstanceId: instanceId }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw translate(error, `stop instance ${instanceId}`);
    }
  }

  async delete(instanceId: string): Promise<"deleted" | "already-gone"> {
    try {
      await this.client.send(new DeleteInstanceCommand({ InstanceId: instanceId }));
      return "deleted";
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return "already-gone";
      throw translate(error, `delete instance ${instanceId}`);
    }
  }
}

function translate(error: unknown, what: string): Error {
  const name = error instanceof Error ? error.name : "Error";
  const message = `${what}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $fault?: string; $retryable?: unknown }) ?? {};
  const status = meta.$metadata?.httpStatusCode;
  // No HTTP status: the call never got an answer (connection refused, reset, timed out).
  const transient = transientNames.has(name) || meta.$retryable !== undefined || meta.$fault === "server" || status === undefined || status >= 500;
  return transient ? new TransientDestroyError(message, { cause: error }) : new PermanentDestroyError(message, { cause: error });
}
