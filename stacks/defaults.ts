import type { App } from "sst/constructs";

/** Function defaults for every stack; used by sst.config.ts and by the stack tests alike. */
export function configureApp(app: App): void {
  app.setDefaultFunctionProps({
    runtime: "nodejs22.x",
    architecture: "arm_64",
    timeout: "5 minutes",
    memorySize: "512 MB",
    nodejs: { format: "esm" },
  });
}
