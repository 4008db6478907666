import type { SSTConfig } from "sst";
import { configureApp } from "./stacks/defaults.js";
import { Deploys } from "./stacks/Deploys.js";
import { Janitor } from "./stacks/Janitor.js";
import { Storage } from "./stacks/Storage.js";

export default {
  config() {
    return { name: "scythe", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    configureApp(app);
    app.stack(Storage).stack(Janitor).stack(Deploys);
  },
} satisfies SSTConfig;
