import pLimit from "p-limit";

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  return results;
}

/** Runs a task under a key: see `keyedLimit`. */
export type KeyedLimit = <R>(key: string, task: () => Promise<R>) => Promise<R>;

/**
 * A limiter for tasks that write to objects: at most `limit` tasks run at once, and tasks
 * under one key run one after another, in the order they were given (one writer per object).
 * A task waiting for its key's previous one holds no slot. A failed task does not stop the
 * next one under its key.
 */
export function keyedLimit(limit: number): KeyedLimit {
  const slots = pLimit(Math.max(1, limit));
  const tails = new Map<string, Promise<unknown>>();
  return <R>(key: string, task: () => Promise<R>): Promise<R> => {
    const previous = tails.get(key);
    const run = previous ? previous.then(() => slots(task)) : slots(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
