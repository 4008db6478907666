import { defineConfig } from "vitest/config";

// One DynamoDB Local (and one fleet simulator) per run, started in globalSetup;
// test files isolate themselves with their own table-name prefix.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    // Handlers' JSON logs and EMF lines are for CloudWatch; tests assert on them through spies.
    env: { POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" },
  },
});
