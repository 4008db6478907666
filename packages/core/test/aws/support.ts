import { ElasticLoadBalancingServiceException } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksServiceException } from "@aws-sdk/client-opsworks";

/** Clients for aws-sdk-client-mock: never sent over the network, so any region and credentials do. */
export const offline = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };

/** An error as the SDK throws it for a service's answer (name, HTTP status, fault). */
export function opsworksFailure(name: string, status: number): OpsWorksServiceException {
  return new OpsWorksServiceException({ name, message: `${name} (test)`, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

export function elbFailure(name: string, status: number): ElasticLoadBalancingServiceException {
  return new ElasticLoadBalancingServiceException({ name, message: `${name} (test)`, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

/** What the SDK throws when no answer came back (connection refused): no $metadata status. */
export function networkFailure(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { name: "Error", code: "ECONNREFUSED" });
}
