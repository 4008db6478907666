import "core-js/actual/promise/with-resolvers.js";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { localDeployDefinition } from "../../../local/src/stepfunctions/runDeploy.js";
import { LambdaFunctionError } from "../../../local/src/stepfunctions/lambdaInvoke.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { DynamoDeployJournal } from "../../src/aws/dynamo/index.js";
import { retryableDeployErrors } from "../../src/deploy/index.js";

const fence = { lock: "deploy/stack/s-1", token: 1 };
const summary = (executionId: string) => ({
  executionId, stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 1, lockName: fence.lock, owner: executionId, token: 1, startedAt: "2026-01-01T00:00:00.000Z",
});

/** What `begin` throws for a deploy that already ended (a late redelivery of AcquireLock). */
async function alreadyEndedError(): Promise<Error> {
  const { doc, names } = await freshTables();
  const journal = new DynamoDeployJournal(doc, { tableName: names.registry });
  await journal.begin(summary("e-1"), fence);
  expect(await journal.updateSummary("e-1", { status: "succeeded" }, fence)).toBe(true);
  const error = await journal.begin(summary("e-1"), fence).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe("DeployJournal: a deploy that already ended", () => {
  it("refuses to begin again with an error the state machine does not retry", async () => {
    const error = await alreadyEndedError();
    expect(error.message).toContain("already ended");
    expect(retryableDeployErrors as readonly string[]).not.toContain(error.name);
  });

  it("fails the execution at the first AcquireLock attempt when run through the deploy definition", async () => {
    const error = await alreadyEndedError();
    let attempts = 0;
    const machine = new StateMachine(localDeployDefinition());
    const run = machine.run(
      { input: {} },
      {
        overrides: {
          taskResourceLocalHandlers: {
            Validate: async () => ({ executionId: "e-1" }),
            AcquireLock: async () => {
              attempts += 1;
              throw new LambdaFunctionError(error.name, error.message);
            },
          },
          retryIntervalOverrides: { AcquireLock: 0, Validate: 0 },
        },
        context: { Execution: { Id: "e-1", Name: "e-1", StartTime: "2026-01-01T00:00:00.000Z" } },
      },
    );
    const failure = await run.result.then(() => undefined, (e: unknown) => e as { cause?: Error });
    expect(failure?.cause?.name).toBe(error.name);
    expect(attempts).toBe(1);
  });
});
