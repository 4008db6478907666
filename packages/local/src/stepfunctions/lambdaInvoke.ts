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

/** Step Functions' quota on the data a state passes (input, parameters, result): 256 KB, as UTF-8. */
export const payloadLimitBytes = 262_144;

/** A task's parameters or result larger than the quota: the execution fails (no Catch takes it). */
export class DataLimitExceededError extends Error {
  constructor(what: string, bytes: number, limit = payloadLimitBytes) {
    super(`The ${what} is ${bytes} bytes, over the ${limit}-byte quota on the data a state passes.`);
    this.name = "States.DataLimitExceeded";
  }
}

export function withinQuota(json: string, what: string, limit: number | undefined, measure?: (bytes: number) => void): string {
  if (limit !== undefined) {
    const bytes = Buffer.byteLength(json, "utf8");
    measure?.(bytes);
    if (bytes > limit) throw new DataLimitExceededError(what, bytes, limit);
  }
  return json;
}

/**
 * Invokes a handler in-process the way Lambda would for Step Functions: the payload and
 * the result cross a JSON boundary, and a thrown error becomes the function error that
 * Retry and Catch match by its name. With `payloadLimit`, a payload or result larger than
 * that (as UTF-8 JSON) is refused with DataLimitExceededError, as Step Functions refuses it.
 */
export function asLambdaTask(functionName: string, handler: LambdaHandler, timeoutMs = 60_000, payloadLimit?: number, measure?: (bytes: number) => void) {
  return async (input: Json): Promise<Json> => {
    const event = JSON.parse(withinQuota(JSON.stringify(input), `input of ${functionName}`, payloadLimit, measure)) as never;
    let result: unknown;
    try {
      result = await handler(event, fakeContext(functionName, timeoutMs));
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      const message = error instanceof Error ? error.message : String(error);
      throw new LambdaFunctionError(name, message);
    }
    return JSON.parse(withinQuota(JSON.stringify(result ?? null), `result of ${functionName}`, payloadLimit, measure)) as Json;
  };
}
