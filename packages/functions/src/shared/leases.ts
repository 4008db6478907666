import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsExpiryQueue } from "@scythe/core/aws/sqs";
import { shippedBlueprints } from "@scythe/core/leases";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { documentClient } from "./clients.js";
import { readConfig } from "./config.js";
import { tableNamesFromEnv } from "./env.js";
import { herokuTokenConfigured, tokenSource } from "./herokuTokenSource.js";

/**
 * The leases components for a Lambda cold start (the lease handlers and the deallocator,
 * which works on the same queue, workers and blueprints): clients with the default config (the
 * local world sets AWS_ENDPOINT_URL_* instead), tables from SST's bind variables.
 */
export function leasesFromEnv(env: NodeJS.ProcessEnv = process.env): Leases {
  const config = readConfig(env);
  // The app blueprint's token: HEROKU_API_TOKEN, or the stage's HerokuToken secret read when an app is torn down.
  const heroku = herokuTokenConfigured(env) ? { token: tokenSource(env), baseUrl: config.HEROKU_API_URL } : undefined;
  return composeLeases({
    doc: documentClient(),
    tables: tableNamesFromEnv(env),
    blueprints: shippedBlueprints({ opsworks: new OpsWorksClient({}), ec2: new EC2Client({}), elbv2: new ElasticLoadBalancingV2Client({}), heroku }),
    workerId: config.AWS_LAMBDA_LOG_STREAM_NAME ? `lambda:${config.AWS_LAMBDA_LOG_STREAM_NAME}` : undefined,
    // The sweep fans work beyond one invocation's share out to the expiry queue's consumers.
    ...(config.SCYTHE_EXPIRY_QUEUE_URL && { fanOut: new SqsExpiryQueue(new SQSClient({}), { queueUrl: config.SCYTHE_EXPIRY_QUEUE_URL }) }),
    ...(config.SCYTHE_EXPIRY_INLINE_LIMIT !== undefined && { inlineLimit: config.SCYTHE_EXPIRY_INLINE_LIMIT }),
  });
}
