import { afterEach, beforeAll, beforeEach, vi } from "vitest";
import { type TableNames } from "@scythe/core/schema";
import { freshTables } from "../../../../test/support/dynamo.js";

type Tables = Awaited<ReturnType<typeof freshTables>>;

/**
 * One file's fresh tables (its own name prefix in DynamoDB Local), and the handlers'
 * JSON log lines kept off the test output. The fields are set by the time a test runs.
 */
export function quietTables(): { readonly names: TableNames; readonly doc: Tables["doc"] } {
  const tables = {} as { names: TableNames; doc: Tables["doc"] };
  beforeAll(async () => {
    const { names, doc } = await freshTables();
    Object.assign(tables, { names, doc });
  });
  beforeEach(() => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return tables;
}
