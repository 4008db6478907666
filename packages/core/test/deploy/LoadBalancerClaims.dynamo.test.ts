import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LoadBalancerClaims, type OutClaim } from "../../src/aws/dynamo/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let claims: LoadBalancerClaims;

beforeAll(async () => {
  const tables = await freshTables();
  names = tables.names;
  claims = new LoadBalancerClaims(tables.doc, { tableName: names.locks });
});

const claim = (executionId: string): OutClaim => ({ executionId, lock: `deploy/stack/${executionId}`, token: 1, instanceId: `o-${executionId}`, batch: 0 });

describe("Class: LoadBalancerClaims (DynamoDB Local)", () => {
  it("of many deploys claiming against one version at once, exactly one commits; the rest must read again (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 3 }), async (contenders, lbCount) => {
        const lbs = Array.from({ length: lbCount }, (_, i) => `lb-${crypto.randomUUID()}-${i}`);
        const sheets = await claims.read(lbs);
        const outcomes = await Promise.all(
          Array.from({ length: contenders }, (_, c) =>
            claims.commit(
              sheets.map((s) => ({ loadBalancer: s.loadBalancer, readVersion: s.version, out: { [`i-${c}`]: claim(`e${c}`) } })),
              [],
            ),
          ),
        );
        expect(outcomes.filter(Boolean)).toHaveLength(1);
        const winner = outcomes.indexOf(true);
        const after = await claims.read(lbs);
        for (const sheet of after) expect(sheet).toMatchObject({ version: 1, out: { [`i-${winner}`]: { executionId: `e${winner}` } } });
        // A commit on the version everyone read is refused from now on.
        expect(await claims.commit([{ loadBalancer: lbs[0] ?? "", readVersion: 0, out: {} }], [])).toBe(false);
      }),
      { numRuns: 15 },
    );
  });

  it("releases only the owner's claim, once, and bumps the version so a stale plan cannot write it back", async () => {
    const lb = `lb-${crypto.randomUUID()}`;
    expect(await claims.commit([{ loadBalancer: lb, readVersion: 0, out: { "i-1": claim("e1"), "i-2": claim("e2") } }], [])).toBe(true);
    expect(await claims.release(lb, "i-1", "e2")).toBe(false);
    const released = await Promise.all([claims.release(lb, "i-1", "e1"), claims.release(lb, "i-1", "e1")]);
    expect(released.filter(Boolean)).toHaveLength(1);
    const [sheet] = await claims.read([lb]);
    expect(sheet).toMatchObject({ version: 2, out: { "i-2": { executionId: "e2" } } });
    expect(Object.keys(sheet?.out ?? {})).toEqual(["i-2"]);
    expect(await claims.commit([{ loadBalancer: lb, readVersion: 1, out: { "i-1": claim("e1"), "i-2": claim("e2") } }], [])).toBe(false);
    expect(await claims.release(`lb-${crypto.randomUUID()}`, "i-1", "e1")).toBe(false);
  });
});
