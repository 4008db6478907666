import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { auditRollout, membership, startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

describe("Local Step Functions runner: Wait states read the state as Step Functions holds it", () => {
  // Validate's result (through its ResultSelector) replaces the state: WaitForLock's SecondsPath
  // ($.config.pollSeconds.lock) is read from { config }. Were it missing from the runner's view
  // of the state, the Wait would fall to the engine, which sleeps the poll's seconds in real
  // time (300 s here, past the test's timeout) instead of on the simulator's clock (60 ms).
  it("WaitForLock lasts the config's lock poll on the simulator's clock", { timeout: 60_000 }, async () => {
    const fleet = await seedFleet(sim.control, { instances: 1, loadBalancers: { main: [1] } });
    const locks = new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }), ownerId: "someone-else" });
    const held = await locks.acquire(`deploy/stack/${fleet.stackId}`, { leaseMs: 600_000 });
    const since = await sim.control.lastSeq();
    const before = membership(await sim.control.state());
    let waited = 0;
    const execution = await startLocalDeploy(
      { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, pollSeconds: { lock: 300, drain: 1, deploy: 1, health: 1 }, leaseSeconds: 610, lockWaitSeconds: 3600 },
      {
        services: deployServices(sim, world),
        onStateEntered: (state) => {
          // The other holder lets go while the deploy waits its second turn.
          if (state === "WaitForLock" && ++waited === 2) void locks.release(held);
        },
      },
    );
    const result = await execution.result;
    expect(result.status).toBe("SUCCEEDED");
    expect(result.entered.WaitForLock).toBeGreaterThanOrEqual(2);
    expect((await auditRollout(sim.control, since, before)).ok).toBe(true);
  });
});
