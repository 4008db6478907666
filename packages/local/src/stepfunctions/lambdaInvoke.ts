import type { Context } from "aws-lambda";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A handler as the Lambda runtime calls it. */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/** The error a Task state sees when its Lambda throws: named by the error's type, its cause the runtime's JSON. */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

export function fakeContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes a handler in-process the way Lambda would for Step Functions: the payload and
 * the result cross a JSON boundary, and a thrown error becomes the function error that
 * Retry and Catch match by its name.
 */
export function asLambdaTask(functionName: string, handler: LambdaHandler, timeoutMs = 60_000) {
  return async (input: Json): Promise<Json> => {
    const event = JSON.parse(JSON.stringify(input)) as never;
    let result: unknown;
    try {
      result = await handler(event, fakeContext(functionName, timeoutMs));
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      const message = error instanceof Error ? error.message : String(error);
      throw new LambdaFunctionError(name, message);
    }
    return JSON.parse(JSON.stringify(result ?? null)) as Json;
  };
}
