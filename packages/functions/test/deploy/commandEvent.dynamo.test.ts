import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { DynamoTaskWaits } from "@scythe/core/aws/dynamo";
import { awaitParts, commandWaitKey, type TaskCallbacks } from "@scythe/core/deploy";
import { BadInputError } from "@scythe/core/errors";
import { freshTables } from "../../../../test/support/dynamo.js";
import { makeHandler } from "../../src/deploy/commandEvent.js";

const context = { functionName: "scythe-test", awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const event = (instanceId: string, status: string, detail: Record<string, unknown> = {}) => ({
  version: "0",
  id: `e-${instanceId}-${status}`,
  source: "aws.ssm" as const,
  "detail-type": "EC2 Command Invocation Status-change Notification" as const,
  account: "123456789012",
  time: "2026-01-01T00:00:00Z",
  region: "us-east-1",
  resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
  detail: { "command-id": "c-1", "document-name": "AWS-RunShellScript", "instance-id": instanceId, "requested-date-time": "2026-01-01T00:00:00Z", status, ...detail } as { "command-id": string; "instance-id": string; status: string },
});

describe("Handler: deploy commandEvent (SSM invocation status changes)", () => {
  it("completes the batch's wait when its last invocation ends, once, whatever the duplicates", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const sent: string[] = [];
    const callbacks: TaskCallbacks = {
      succeed: (token) => (sent.push(`ok ${token}`), Promise.resolve("sent")),
      fail: (token, error) => (sent.push(`${error} ${token}`), Promise.resolve("sent")),
    };
    const handler = makeHandler(() => ({ waits, callbacks }));
    expect(await awaitParts(waits, callbacks, commandWaitKey("c-1"), "t-1", "exec-1", ["i-1", "i-2"])).toBe("waiting");
    expect(await handler(event("i-1", "InProgress"), context)).toMatchObject({ result: "not an outcome" });
    expect(await handler(event("i-1", "Success"), context)).toMatchObject({ result: "batch still running" });
    expect(await handler(event("i-2", "Success"), context)).toMatchObject({ commandId: "c-1", instanceId: "i-2", result: "delivered" });
    expect(await handler(event("i-2", "Success"), context)).toMatchObject({ result: "duplicate" });
    expect(sent).toEqual(["ok t-1"]);
  });

  it("refuses an event without the instance, naming the field", async () => {
    const handler = makeHandler(() => {
      throw new Error("not expected");
    });
    const error = await handler(event("i-1", "Success", { "instance-id": undefined }), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).field).toContain("instance-id");
  });
});
