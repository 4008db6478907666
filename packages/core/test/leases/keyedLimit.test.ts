import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyedLimit } from "../../src/leases/mapLimit.js";

describe("Function: keyedLimit", () => {
  it("runs at most `limit` tasks at once, one at a time per key in the order given, and a failure does not stop its key (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ key: fc.constantFrom("a", "b", "c", "d"), ticks: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        async (limit, tasks) => {
          const slot = keyedLimit(limit);
          let running = 0;
          let most = 0;
          const onKey = new Map<string, number>();
          const started: number[] = [];
          const finished: number[] = [];
          const outcomes = await Promise.allSettled(
            tasks.map((task, i) =>
              slot(task.key, async () => {
                running += 1;
                most = Math.max(most, running);
                onKey.set(task.key, (onKey.get(task.key) ?? 0) + 1);
                expect(onKey.get(task.key)).toBe(1);
                started.push(i);
                for (let t = 0; t < task.ticks; t++) await Promise.resolve();
                onKey.set(task.key, (onKey.get(task.key) ?? 1) - 1);
                running -= 1;
                finished.push(i);
                if (task.fails) throw new Error(`task ${i}`);
                return i;
              }),
            ),
          );
          expect(most).toBeLessThanOrEqual(limit);
          expect(finished.sort((a, b) => a - b)).toEqual(tasks.map((_, i) => i));
          for (const key of ["a", "b", "c", "d"]) {
            const mine = tasks.map((t, i) => (t.key === key ? i : -1)).filter((i) => i >= 0);
            expect(started.filter((i) => tasks[i]?.key === key)).toEqual(mine);
          }
          outcomes.forEach((o, i) => expect(o).toEqual(tasks[i]?.fails ? { status: "rejected", reason: new Error(`task ${i}`) } : { status: "fulfilled", value: i }));
        },
      ),
      { numRuns: 200 },
    );
  });
});
