import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsExpiryQueue } from "@scythe/core/leases/SqsExpiryQueue";
import { shippedBlueprints } from "@scythe/core/leases/blueprints/shippedBlueprints";
import { composeLeases, type Leases } from "@scythe/core/leases/composeLeases";
import { herokuTokenSecret, tokenSource } from "../reaper/tokenSource.js";
import { tableNamesFromEnv } from "../shared/env.js";

/**
 * The leases components for a Lambda cold start: clients with the default config (the
 * local world sets AWS_ENDPOINT_URL_* instead), tables from SST's bind variables.
 */
export function leasesFromEnv(env: NodeJS.ProcessEnv = process.env): Leases {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  // The app blueprint's token: HEROKU_API_TOKEN, or the stage's HerokuToken secret read when an app is torn down.
  const secretBound = env[`SST_Secret_value_${herokuTokenSecret}`] !== undefined;
  const token = (env.HEROKU_API_TOKEN ?? "") !== "" || secretBound ? tokenSource(env) : undefined;
  return composeLeases({
    doc,
    tables: tableNamesFromEnv(env),
    blueprints: shippedBlueprints({ opsworks: new OpsWorksClient({}), heroku: token ? { token, baseUrl: env.HEROKU_API_URL } : undefined }),
    workerId: env.AWS_LAMBDA_LOG_STREAM_NAME ? `lambda:${env.AWS_LAMBDA_LOG_STREAM_NAME}` : undefined,
    // The sweep fans work beyond one invocation's share out to the expiry queue's consumers.
    ...(env.SCYTHE_EXPIRY_QUEUE_URL && { fanOut: new SqsExpiryQueue(new SQSClient({}), { queueUrl: env.SCYTHE_EXPIRY_QUEUE_URL }) }),
    ...(env.SCYTHE_EXPIRY_INLINE_LIMIT && { inlineLimit: Number(env.SCYTHE_EXPIRY_INLINE_LIMIT) }),
  });
}

/** Built on first use: importing a handler module never needs the environment. */
export { once } from "../shared/once.js";
