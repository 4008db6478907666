import type { Context } from "aws-lambda";

/** A Lambda context whose remaining time is whatever the test says. */
export function lambdaContext(remainingMs: () => number = () => 300_000): Context {
  return {
    functionName: "scythe-reaper-test",
    functionVersion: "1",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:scythe-reaper-test",
    memoryLimitInMB: "512",
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    getRemainingTimeInMillis: remainingMs,
  } as unknown as Context;
}
