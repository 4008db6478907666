import type { SSTConfig } from "sst";
import { Storage } from "./stacks/Storage.js";

export default {
  config() {
    return { name: "scythe", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      timeout: "5 minutes",
      memorySize: "512 MB",
      nodejs: { format: "esm" },
    });
    app.stack(Storage);
  },
} satisfies SSTConfig;
