import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { LoadBalancerClaims, type OutClaim } from "../../src/aws/dynamo/index.js";
import { instanceClaimRetentionSeconds } from "../../src/aws/dynamo/LoadBalancerClaims.js";
import { type TableNames } from "../../src/schema/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";

let names: TableNames;
let claims: LoadBalancerClaims;
let tables: Awaited<ReturnType<typeof freshTables>>;

beforeAll(async () => {
  tables = await freshTables();
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

  describe("instance claims", () => {
    it("of many deploys taking one free instance at once, exactly one holds it; a second delivery of the holder still does (property)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 12 }), async (contenders) => {
          const endpoint = `i-${crypto.randomUUID()}`;
          const taken = await Promise.all(Array.from({ length: contenders }, (_, c) => claims.claimInstance(endpoint, claim(`e${c}`))));
          expect(taken.filter(Boolean)).toHaveLength(1);
          const winner = taken.indexOf(true);
          expect((await claims.readInstances([endpoint])).get(endpoint)).toEqual(claim(`e${winner}`));
          expect(await claims.claimInstance(endpoint, claim(`e${winner}`))).toBe(true);
        }),
        { numRuns: 20 },
      );
    });

    it("takes over a claim judged stale only as it was read: a claim renewed or replaced since is not overwritten", async () => {
      const endpoint = `i-${crypto.randomUUID()}`;
      const crashed = claim("crashed");
      expect(await claims.claimInstance(endpoint, crashed)).toBe(true);
      expect(await claims.claimInstance(endpoint, claim("next"))).toBe(false);
      expect(await claims.claimInstance(endpoint, claim("next"), { ...crashed, token: crashed.token + 1 })).toBe(false);
      expect(await claims.claimInstance(endpoint, claim("next"), crashed)).toBe(true);
      // A third deploy that read the crashed claim too is too late: "next" holds it now.
      expect(await claims.claimInstance(endpoint, claim("third"), crashed)).toBe(false);
      expect((await claims.readInstances([endpoint, `i-${crypto.randomUUID()}`])).get(endpoint)?.executionId).toBe("next");
    });

    it("expires (DynamoDB TTL) a week after it is taken, past the longest a live claim lasts", async () => {
      const endpoint = `i-${crypto.randomUUID()}`;
      const before = Math.floor(Date.now() / 1000);
      expect(await claims.claimInstance(endpoint, claim("e1"))).toBe(true);
      const item = (await tables.doc.send(new GetCommand({ TableName: names.locks, Key: { pk: `deploy-instance/${endpoint}` } }))).Item;
      expect(item?.ttl).toBeGreaterThanOrEqual(before + instanceClaimRetentionSeconds);
      expect(instanceClaimRetentionSeconds).toBeGreaterThan((4 + 24 + 4) * 3600);
    });

    it("lets go only for its holder, once", async () => {
      const endpoint = `i-${crypto.randomUUID()}`;
      expect(await claims.claimInstance(endpoint, claim("e1"))).toBe(true);
      expect(await claims.releaseInstance(endpoint, "e2")).toBe(false);
      expect(await claims.releaseInstance(endpoint, "e1")).toBe(true);
      expect(await claims.releaseInstance(endpoint, "e1")).toBe(false);
      expect((await claims.readInstances([endpoint])).size).toBe(0);
      expect(await claims.claimInstance(endpoint, claim("e2"))).toBe(true);
    });

    it("reads more than one BatchGetItem's 100 keys", async () => {
      const endpoints = Array.from({ length: 130 }, () => `i-${crypto.randomUUID()}`);
      await Promise.all(endpoints.filter((_, i) => i % 2 === 0).map((e, i) => claims.claimInstance(e, claim(`e${i}`))));
      const held = await claims.readInstances(endpoints);
      expect([...held.keys()].sort()).toEqual(endpoints.filter((_, i) => i % 2 === 0).sort());
    });
  });
});
