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
  },
});
