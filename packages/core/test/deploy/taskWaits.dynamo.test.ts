import { describe, expect, it } from "vitest";
import { freshTables } from "../../../../test/support/dynamo.js";
import { DynamoTaskWaits } from "../../src/aws/dynamo/index.js";
import { awaitOutcome, handleWaitEvent, opsworksDeploymentOutcome, type TaskCallbacks } from "../../src/deploy/index.js";

/** Step Functions' side, as far as callbacks go: a token is answered once; later answers are stale. */
function recordingCallbacks() {
  const answered = new Map<string, unknown[]>();
  const callbacks: TaskCallbacks = {
    succeed: (token, output) => {
      const list = answered.get(token) ?? [];
      answered.set(token, [...list, output]);
      return Promise.resolve(list.length === 0 ? "sent" : "stale");
    },
    fail: (token, error) => {
      const list = answered.get(token) ?? [];
      answered.set(token, [...list, { error }]);
      return Promise.resolve(list.length === 0 ? "sent" : "stale");
    },
  };
  return { callbacks, answered };
}

const event = (id: string, status = "successful") => ({
  source: "aws.opsworks",
  "detail-type": "OpsWorks Deployment State Change",
  detail: { "deployment-id": id, status, "instance-ids": ["i-1"] },
});

describe("Task waits over DynamoDB Local: an event and its waiting task meet in one item", () => {
  it("delivers once whichever comes first, at once, many times over (event and token raced, events duplicated)", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    for (let round = 0; round < 40; round++) {
      const { callbacks, answered } = recordingCallbacks();
      const id = `d-${round}`;
      const token = `token-${round}`;
      const copies = 1 + (round % 3);
      const outcome = opsworksDeploymentOutcome(event(id));
      await Promise.all([
        awaitOutcome(waits, callbacks, `deployment/${id}`, token, "exec-1"),
        ...Array.from({ length: copies }, () => handleWaitEvent(waits, callbacks, outcome)),
      ]);
      expect(answered.get(token), `round ${round}`).toHaveLength(1);
    }
  });

  it("an event for a deployment nobody waits on completes nothing; a token recorded later is answered by its own Lambda", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const { callbacks, answered } = recordingCallbacks();
    expect(await handleWaitEvent(waits, callbacks, opsworksDeploymentOutcome(event("d-early")))).toBe("no task waiting yet");
    expect(answered.size).toBe(0);
    expect(await awaitOutcome(waits, callbacks, "deployment/d-early", "t-1", "exec-1")).toBe("delivered");
    expect(answered.get("t-1")).toEqual([expect.objectContaining({ deploymentId: "d-early", status: "succeeded" })]);
  });

  it("a task that waits again (after a heartbeat check) gets the event on its new token; another execution cannot take the key", async () => {
    const { doc, names } = await freshTables();
    const waits = new DynamoTaskWaits(doc, { tableName: names.registry });
    const { callbacks, answered } = recordingCallbacks();
    expect(await awaitOutcome(waits, callbacks, "deployment/d-1", "t-old", "exec-1")).toBe("waiting");
    expect(await awaitOutcome(waits, callbacks, "deployment/d-1", "t-new", "exec-1")).toBe("waiting");
    await expect(awaitOutcome(waits, callbacks, "deployment/d-1", "t-other", "exec-2")).rejects.toThrow(/awaited by another execution/);
    expect(await handleWaitEvent(waits, callbacks, opsworksDeploymentOutcome(event("d-1", "failed")))).toBe("delivered");
    expect(answered.get("t-new")).toEqual([{ error: "WaitedWorkFailedError" }]);
    expect(answered.has("t-old")).toBe(false);
    // A late copy of the event changes nothing.
    expect(await handleWaitEvent(waits, callbacks, opsworksDeploymentOutcome(event("d-1", "failed")))).toBe("duplicate");
    expect(answered.get("t-new")).toHaveLength(1);
  });

  it("ignores events that are not a deployment's end", () => {
    expect(opsworksDeploymentOutcome(event("d-1", "running"))).toBeUndefined();
    expect(opsworksDeploymentOutcome({ ...event("d-1"), source: "aws.ec2" })).toBeUndefined();
  });
});
