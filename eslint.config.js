// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".sst/", "cdk.out/", ".scythe/", "packages/*/bin/", "packages/*/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  // Issue 11's rooms, kept true by the linter: see boundaryRules below.
  ...boundaryRules(),
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);

/**
 * The house rules of packages/core and packages/functions:
 * - the jobs (reaper, leases, deallocator, orphans, deploy) never import one another; they share
 *   lock/, registry/ and ports/, and reach AWS only through the adapters in core/src/aws;
 * - lock/, registry/ and ports/ are shared by the jobs and import none of them, nor the SDK;
 * - a function folder imports no other function folder (shared plumbing lives in functions/src/shared);
 * - outside core, core is imported through its entry points (`@scythe/core/<room>`), never a file inside a room.
 */
function boundaryRules() {
  const jobs = ["reaper", "leases", "deallocator", "orphans", "deploy"];
  const sdk = { group: ["@aws-sdk/*"], message: "Reach AWS through an adapter in packages/core/src/aws, not the SDK." };
  const noJob = (job, who) => ({
    group: [`../${job}/**`, `../../${job}/**`, `../${job}`, `../../${job}`],
    message: `${who} must not import ${job}/: jobs share only lock/, registry/ and ports/.`,
  });
  const restrict = (files, patterns) => ({
    files,
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns }] },
  });
  const deepCore = {
    group: ["@scythe/core/*/**", "!@scythe/core/aws/*"],
    message: "Import core through its entry points (@scythe/core/<room>, @scythe/core/aws/<client>), not a file inside one.",
  };
  return [
    ...jobs.map((job) => restrict([`packages/core/src/${job}/**/*.ts`], [sdk, ...jobs.filter((o) => o !== job).map((o) => noJob(o, `${job}/`))])),
    ...["lock", "registry", "ports"].map((shared) => restrict([`packages/core/src/${shared}/**/*.ts`], [sdk, ...jobs.map((j) => noJob(j, `${shared}/`))])),
    ...jobs.map((job) =>
      restrict(
        [`packages/functions/src/${job}/**/*.ts`],
        [deepCore, ...jobs.filter((o) => o !== job).map((o) => ({ group: [`../${o}/**`, `../../${o}/**`], message: `functions/${job} must not import functions/${o}: shared plumbing lives in functions/src/shared.` }))],
      ),
    ),
    restrict(["packages/functions/src/shared/**/*.ts", "packages/local/src/**/*.ts", "packages/local/bench/**/*.ts", "stacks/**/*.ts"], [deepCore]),
  ];
}
