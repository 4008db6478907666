import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshTables } from "../../../../test/support/dynamo.js";
import { DynamoTaskWaits } from "../../src/aws/dynamo/index.js";
import { awaitParts, commandWaitKey, handlePartEvent, partsOutcome, ssmInvocationEnd, type TaskCallbacks } from "../../src/deploy/index.js";

/** Step Functions' side, as far as callbacks go: a token is answered once; later answers are stale. */
function recordingCallbacks() {
  const answered = new Map<string, unknown[]>();
  const answer = (token: string, what: unknown) => {
    const list = answered.get(token) ?? [];
    answered.set(token, [...list, what]);
    return Promise.resolve(list.length === 0 ? ("sent" as const) : ("stale" as const));
  };
  const callbacks: TaskCallbacks = {
    succeed: (token, output) => answer(token, output),
    fail: (token, error, cause) => answer(token, { error, cause }),
  };
  return { callbacks, answered };
}

const event = (commandId: string, instanceId: string, status: string) => ({
  source: "aws.ssm",
  "detail-type": "EC2 Command Invocation Status-change Notification",
  detail: { "command-id": commandId, "instance-id": instanceId, status },
});

describe("Command waits over DynamoDB Local: one SSM command per batch, one event per instance", () => {
  it("answers the token once, raced against every instance's events (duplicated, in any order): success when all succeeded, else the failure of a failed instance", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ status: fc.constantFrom("Success", "Success", "Success", "Failed", "TimedOut"), copies: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 20 }),
        async (invocations, tokenAt) => {
          round++;
          const { callbacks, answered } = recordingCallbacks();
          const commandId = `c-${round}`;
          const token = `token-${round}`;
          const instanceIds = invocations.map((_, i) => `i-${round}-${i}`);
          const events = invocations.flatMap((inv, i) => Array.from({ length: inv.copies }, () => event(commandId, instanceIds[i] ?? "", inv.status)));
          // The token lands somewhere among the events; all of them race.
          const racers: (() => Promise<unknown>)[] = events.map((e) => () => handlePartEvent(waits, callbacks, ssmInvocationEnd(e)));
          racers.splice(tokenAt % (racers.length + 1), 0, () => awaitParts(waits, callbacks, commandWaitKey(commandId), token, "exec-1", instanceIds));
          await Promise.all(racers.map((run) => run()));
          const answers = answered.get(token) ?? [];
          expect(answers, `round ${round}`).toHaveLength(1);
          const failed = instanceIds.filter((_, i) => invocations[i]?.status !== "Success");
          if (failed.length === 0) {
            expect(answers[0]).toMatchObject({ commandId, status: "succeeded", instanceIds });
          } else {
            const { error, cause } = answers[0] as { error: string; cause: string };
            expect(error).toBe("WaitedWorkFailedError");
            const message = (JSON.parse(cause) as { errorMessage: string }).errorMessage;
            const named = instanceIds.filter((id) => message.includes(`"instanceId":"${id}"`));
            expect(named).toHaveLength(1);
            expect(failed).toContain(named[0]);
            expect(message).toContain(`"commandId":"${commandId}"`);
          }
          expect(answered.size).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("fails at the first failed invocation while the others still run; their later ends and duplicates send nothing", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const { callbacks, answered } = recordingCallbacks();
    const key = commandWaitKey("c-1");
    expect(await awaitParts(waits, callbacks, key, "t-1", "exec-1", ["i-1", "i-2", "i-3"])).toBe("waiting");
    expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-1", "i-1", "Success")))).toBe("batch still running");
    expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-1", "i-2", "Failed")))).toBe("delivered");
    const [answer] = answered.get("t-1") as { error: string; cause: string }[];
    expect(answer?.error).toBe("WaitedWorkFailedError");
    expect((JSON.parse(answer?.cause ?? "{}") as { errorMessage: string }).errorMessage).toContain('"instanceId":"i-2"');
    expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-1", "i-2", "Failed")))).toBe("duplicate");
    expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-1", "i-3", "Success")))).toBe("duplicate");
    expect(answered.get("t-1")).toHaveLength(1);
  });

  it("a token recorded after every event is answered by its own Lambda; a task that waits again gets the outcome on its new token", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const { callbacks, answered } = recordingCallbacks();
    const key = commandWaitKey("c-2");
    for (const id of ["i-1", "i-2"]) expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-2", id, "Success")))).toBe("no task waiting yet");
    expect(await awaitParts(waits, callbacks, key, "t-1", "exec-1", ["i-1", "i-2"])).toBe("delivered");
    expect(answered.get("t-1")).toEqual([expect.objectContaining({ commandId: "c-2", status: "succeeded" })]);
    // The heartbeat's check found the command still running (its answer was lost): a new token, answered again.
    expect(await awaitParts(waits, callbacks, key, "t-2", "exec-1", ["i-1", "i-2"])).toBe("delivered");
    expect(answered.get("t-2")).toHaveLength(1);
    await expect(awaitParts(waits, callbacks, key, "t-3", "exec-2", ["i-1"])).rejects.toThrow(/awaited by another execution/);
  });

  it("a lost event leaves the task waiting (the heartbeat's check is the fallback); the first final status of an instance stays", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const { callbacks, answered } = recordingCallbacks();
    const key = commandWaitKey("c-3");
    expect(await awaitParts(waits, callbacks, key, "t-1", "exec-1", ["i-1", "i-2"])).toBe("waiting");
    expect(await handlePartEvent(waits, callbacks, ssmInvocationEnd(event("c-3", "i-1", "Success")))).toBe("batch still running");
    // i-2's event is lost: nothing is answered.
    expect(answered.size).toBe(0);
    const record = await waits.settlePart(key, "i-1", "Failed");
    expect(record.fresh).toBe(false);
    expect(record.ended).toEqual({ "i-1": "Success" });
    expect(partsOutcome(record)).toBeUndefined();
  });

  it("maps only an invocation's end to a part: running statuses and foreign events are none", () => {
    for (const status of ["Pending", "InProgress", "Delayed", "Cancelling"]) expect(ssmInvocationEnd(event("c", "i", status))).toBeUndefined();
    for (const status of ["Success", "Failed", "TimedOut", "Cancelled", "Undeliverable", "Terminated"]) {
      expect(ssmInvocationEnd(event("c", "i", status))).toEqual({ key: "command/c", part: "i", status });
    }
    expect(ssmInvocationEnd({ ...event("c", "i", "Success"), source: "aws.ec2" })).toBeUndefined();
    expect(ssmInvocationEnd({ ...event("c", "i", "Success"), "detail-type": "EC2 Command Status-change Notification" })).toBeUndefined();
  });
});
