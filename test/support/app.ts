import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type StackContext } from "sst/constructs";
import { initProject } from "sst/project.js";
import { configureApp } from "../../stacks/defaults.js";
import { Deploys } from "../../stacks/Deploys.js";
import { Janitor } from "../../stacks/Janitor.js";
import { Monitoring } from "../../stacks/Monitoring.js";
import { Operations } from "../../stacks/Operations.js";
import { Storage } from "../../stacks/Storage.js";

let initialised: Promise<unknown> | undefined;

/**
 * The whole app for `stage`, stacked as sst.config.ts stacks it, with `env` set while it
 * is built (stage settings are read at build time); returns each stack's template.
 */
export async function synthApp(stage = "prod", env: Record<string, string> = {}) {
  initialised ??= initProject({ stage: "test" });
  await initialised;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const app = new App({ mode: "deploy", stage, name: "scythe" });
    configureApp(app);
    app.stack(Storage).stack(Operations).stack(Janitor).stack(Deploys).stack(Monitoring);
    // SST keeps one current app: read every template now, before another app replaces it.
    const stacks = [Storage, Operations, Janitor, Deploys, Monitoring] as ((ctx: StackContext) => unknown)[];
    const templates = new Map(stacks.map((s) => [s, Template.fromStack(getStack(s))]));
    return (stack: (ctx: StackContext) => unknown): Template => {
      const found = templates.get(stack);
      if (!found) throw new Error("not a stack of the app");
      return found;
    };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
}
