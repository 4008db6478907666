import { describe, expect, it } from "vitest";
import { freshTables } from "../../../../test/support/dynamo.js";
import { transact } from "../../src/aws/dynamo/gateway.js";
import { DynamoDeployJournal } from "../../src/aws/dynamo/index.js";
import { DeployEndedError, type DeployJournal, type DetachDecision } from "../../src/deploy/index.js";
import { StaleTokenError } from "../../src/lock/index.js";
import { MemoryDeployJournal } from "../support/MemoryDeployJournal.js";

/** A journal and a way to commit a plan item as the claims transaction does. */
interface Subject {
  readonly journal: DeployJournal;
  commitPlan(executionId: string, batch: number, decisions: DetachDecision[]): Promise<void>;
}

const implementations: [string, () => Promise<Subject>][] = [
  [
    "MemoryDeployJournal",
    async () => {
      const journal = new MemoryDeployJournal();
      return { journal, commitPlan: async (e, b, d) => void journal.commitPlan(journal.planItem(e, b, d)) };
    },
  ],
  [
    "DynamoDeployJournal (DynamoDB Local)",
    async () => {
      const { doc, names } = await freshTables();
      const journal = new DynamoDeployJournal(doc, { tableName: names.registry });
      return { journal, commitPlan: async (e, b, d) => void (await transact(doc, [journal.planItem(e, b, d)], "test")) };
    },
  ],
];

const fence = { lock: "deploy/stack/s-1", token: 3 };
const summary = (executionId: string, token = fence.token) => ({
  executionId, stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 1, lockName: fence.lock, owner: executionId, token, startedAt: "2026-01-01T00:00:00.000Z",
});
const instance = (executionId: string, instanceId: string, hostname: string, batch: number) => ({ executionId, instanceId, hostname, batch, phase: "pending" as const });

describe.each(implementations)("Contract: DeployJournal, %s", (_, make) => {
  it("begins once; a retried begin under the same token is accepted; an ended deploy refuses with DeployEndedError", async () => {
    const { journal } = await make();
    await journal.begin(summary("e-1"), fence);
    await journal.begin(summary("e-1"), fence);
    expect(await journal.summary("e-1")).toMatchObject({ executionId: "e-1", status: "running", token: 3 });
    expect(await journal.updateSummary("e-1", { status: "failed", error: { name: "X", message: "y" } }, fence)).toBe(true);
    const error = await journal.begin(summary("e-1"), fence).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployEndedError);
    expect(await journal.summary("e-1")).toMatchObject({ status: "failed", error: { name: "X", message: "y" } });
  });

  it("refuses a write fenced by an older token, or by another lock, once a newer one has written", async () => {
    const { journal } = await make();
    await journal.begin(summary("e-2"), fence);
    const newer = { ...fence, token: 4 };
    expect(await journal.updateSummary("e-2", { total: 2 }, newer)).toBe(true);
    await expect(journal.updateSummary("e-2", { total: 9 }, fence)).rejects.toBeInstanceOf(StaleTokenError);
    await expect(journal.updateSummary("e-2", { total: 9 }, { lock: "other", token: 99 })).rejects.toBeInstanceOf(StaleTokenError);
    expect(await journal.summary("e-2")).toMatchObject({ total: 2 });
  });

  it("applies a summary patch only from the statuses named, and says whether it did", async () => {
    const { journal } = await make();
    await journal.begin(summary("e-3"), fence);
    expect(await journal.updateSummary("e-3", { status: "succeeded" }, fence, ["stopping"])).toBe(false);
    expect(await journal.updateSummary("e-3", { status: "stopping" }, fence, ["running"])).toBe(true);
    expect(await journal.updateSummary("e-3", { status: "aborted" }, fence, ["running", "stopping"])).toBe(true);
    expect((await journal.summary("e-3"))?.status).toBe("aborted");
    expect(await journal.updateSummary("no-such", { status: "failed" }, fence)).toBe(false);
  });

  it("adds instances once, updates them from the phases named, stamps times, and lists them by batch then hostname", async () => {
    const { journal } = await make();
    await journal.addInstances([instance("e-4", "i-2", "web2", 1), instance("e-4", "i-1", "web1", 1), instance("e-4", "i-3", "web0", 0)], fence);
    await journal.addInstances([{ ...instance("e-4", "i-1", "web1", 1), phase: "done" }], fence);
    expect(await journal.updateInstance("e-4", "i-1", { phase: "deploying", time: "deployStartedAt" }, fence, ["detaching"])).toBe(false);
    expect(await journal.updateInstance("e-4", "i-1", { phase: "detaching", detachFrom: ["lb"], time: "detachedAt" }, fence, ["pending"])).toBe(true);
    expect(await journal.updateInstance("e-4", "i-9", { phase: "done" }, fence)).toBe(false);
    const listed = await journal.instances("e-4");
    expect(listed.map((i) => i.hostname)).toEqual(["web0", "web1", "web2"]);
    expect(listed[1]).toMatchObject({ phase: "detaching", detachFrom: ["lb"] });
    expect(Object.keys(listed[1]?.times ?? {})).toEqual(["detachedAt"]);
    expect(await journal.instances("other")).toEqual([]);
    // A batch's own records, in the order asked, without the ones never recorded.
    expect((await journal.instancesOf("e-4", ["i-3", "i-9", "i-1"])).map((i) => [i.instanceId, i.phase])).toEqual([
      ["i-3", "pending"],
      ["i-1", "detaching"],
    ]);
    expect(await journal.instancesOf("other", ["i-1"])).toEqual([]);
  });

  it("writes a plan's records over pending and skipped ones (a retried Prepare), never over one a step has moved on; stamps a time only once when asked", async () => {
    const { journal } = await make();
    await journal.planInstances([instance("e-7", "i-1", "web1", 0), instance("e-7", "i-2", "web2", 1), instance("e-7", "i-3", "web3", 2)], fence);
    expect(await journal.updateInstance("e-7", "i-3", { phase: "detaching" }, fence, ["pending"])).toBe(true);
    await journal.planInstances([{ ...instance("e-7", "i-1", "web1", -1), phase: "skipped" }, instance("e-7", "i-2", "web2", 0), instance("e-7", "i-3", "web3", 1)], fence);
    expect((await journal.instances("e-7")).map((i) => [i.instanceId, i.phase, i.batch])).toEqual([
      ["i-1", "skipped", -1],
      ["i-2", "pending", 0],
      ["i-3", "detaching", 2],
    ]);
    expect(await journal.updateInstance("e-7", "i-2", { phase: "draining", time: "detachedAt", timeIfAbsent: "drainedAt" }, fence)).toBe(true);
    const first = (await journal.instancesOf("e-7", ["i-2"]))[0]?.times.drainedAt;
    expect(first).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await journal.updateInstance("e-7", "i-2", { phase: "deploying", time: "deployStartedAt", timeIfAbsent: "drainedAt" }, fence)).toBe(true);
    expect((await journal.instancesOf("e-7", ["i-2"]))[0]?.times).toMatchObject({ drainedAt: first, detachedAt: expect.any(String), deployStartedAt: expect.any(String) });
  });

  it("claims a batch's deploy intent once while it is live, again once it is stale, never without the plan", async () => {
    const { journal, commitPlan } = await make();
    expect(await journal.claimDeployIntent("e-5", 0, 1_000, 0, fence)).toBe("held");
    await commitPlan("e-5", 0, []);
    expect(await journal.plan("e-5", 0)).toEqual({ batch: 0, decisions: [] });
    expect(await journal.claimDeployIntent("e-5", 0, 1_000, 0, fence)).toBe("fresh");
    expect(await journal.claimDeployIntent("e-5", 0, 2_000, 500, fence)).toBe("held");
    expect(await journal.claimDeployIntent("e-5", 0, 3_000, 1_500, fence)).toBe("takeover");
    await commitPlan("e-5", 1, []);
    expect((await journal.plans("e-5")).map((p) => p.batch)).toEqual([0, 1]);
  });
});
