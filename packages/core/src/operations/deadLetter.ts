import * as z from "zod";

/**
 * What Lambda puts in an on-failure destination: for an asynchronous invocation the
 * event itself (`requestPayload`); for a stream batch only where the batch was
 * (`DDBStreamBatchInfo`): its records stay in the stream for 24 hours.
 */
const requestContext = z.looseObject({
  functionArn: z.string().min(1),
  condition: z.string().optional(),
  approximateInvokeCount: z.number().optional(),
});
const responsePayload = z.looseObject({ errorType: z.string().optional(), errorMessage: z.string().optional() }).nullish();

const invocationRecord = z.looseObject({
  timestamp: z.string().optional(),
  requestContext,
  requestPayload: z.unknown(),
  responsePayload: responsePayload.optional(),
});
const streamBatchRecord = z.looseObject({
  timestamp: z.string().optional(),
  requestContext,
  responsePayload: responsePayload.optional(),
  DDBStreamBatchInfo: z.looseObject({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().min(1),
    endSequenceNumber: z.string().min(1),
    batchSize: z.number().int().positive(),
    streamArn: z.string().min(1),
  }),
});

export type DeadLetter =
  | { readonly kind: "invocation"; readonly functionName: string; readonly condition?: string; readonly error?: string; readonly at?: string; readonly payload: unknown }
  | {
      readonly kind: "stream-batch";
      readonly functionName: string;
      readonly condition?: string;
      readonly error?: string;
      readonly at?: string;
      readonly batch: { readonly streamArn: string; readonly shardId: string; readonly startSequenceNumber: string; readonly endSequenceNumber: string; readonly batchSize: number };
    }
  | { readonly kind: "unknown"; readonly reason: string };

/** `arn:aws:lambda:r:a:function:name[:qualifier]` → `name`: the function to invoke again, at its current version. */
export const functionNameOf = (arn: string) => arn.split(":")[6] ?? arn;

const errorOf = (payload: z.infer<typeof responsePayload> | undefined) =>
  payload?.errorType || payload?.errorMessage ? `${payload.errorType ?? "Error"}: ${payload.errorMessage ?? ""}`.trim() : undefined;

/** Reads one dead letter's body; anything else is reported as unknown and left in the queue. */
export function parseDeadLetter(body: string): DeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: "unknown", reason: "the body is not JSON" };
  }
  const batch = streamBatchRecord.safeParse(json);
  if (batch.success) {
    const r = batch.data;
    const info = r.DDBStreamBatchInfo;
    return {
      kind: "stream-batch",
      functionName: functionNameOf(r.requestContext.functionArn),
      ...(r.requestContext.condition && { condition: r.requestContext.condition }),
      ...(errorOf(r.responsePayload) && { error: errorOf(r.responsePayload) }),
      ...(r.timestamp && { at: r.timestamp }),
      batch: { streamArn: info.streamArn, shardId: info.shardId, startSequenceNumber: info.startSequenceNumber, endSequenceNumber: info.endSequenceNumber, batchSize: info.batchSize },
    };
  }
  const invocation = invocationRecord.safeParse(json);
  if (invocation.success && "requestPayload" in (json as object)) {
    const r = invocation.data;
    return {
      kind: "invocation",
      functionName: functionNameOf(r.requestContext.functionArn),
      ...(r.requestContext.condition && { condition: r.requestContext.condition }),
      ...(errorOf(r.responsePayload) && { error: errorOf(r.responsePayload) }),
      ...(r.timestamp && { at: r.timestamp }),
      payload: r.requestPayload,
    };
  }
  return { kind: "unknown", reason: "not a Lambda on-failure record (no requestContext.functionArn with a payload or stream batch)" };
}
