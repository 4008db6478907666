import type { SSTConfig } from "sst";
import { configureApp } from "./stacks/defaults.js";
import { Deploys } from "./stacks/Deploys.js";
import { Janitor } from "./stacks/Janitor.js";
import { Monitoring } from "./stacks/Monitoring.js";
import { Operations } from "./stacks/Operations.js";
import { Storage } from "./stacks/Storage.js";

export default {
  config() {
    return { name: "scythe", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    configureApp(app);
    // Operations (alarm topic, dead letters) before the jobs that use it; Monitoring watches them all.
    app.stack(Storage).stack(Operations).stack(Janitor).stack(Deploys).stack(Monitoring);
  },
} satisfies SSTConfig;
