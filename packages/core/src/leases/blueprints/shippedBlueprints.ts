import { OpsWorksStacks, type OpsWorksClient } from "../../aws/opsworks/OpsWorksStacks.js";
import type { Clock } from "../../clock.js";
import type { Blueprint } from "../Blueprint.js";
import { PermanentDestroyError } from "../errors.js";
import { AppBlueprint } from "./appBlueprint.js";
import type { AppTeardown } from "./AppTeardown.js";
import { HerokuAppTeardown } from "./herokuAppTeardown.js";
import { OpsWorksInstanceBlueprint } from "./opsworksInstanceBlueprint.js";

/** Without a Heroku token, app resources cannot be torn down: say so on the resource, do not guess. */
const noHeroku: AppTeardown = {
  deleteApp: async () => {
    throw new PermanentDestroyError("no Heroku API token is configured (HEROKU_API_TOKEN)");
  },
};

/** The blueprints Scythe ships: OpsWorks instances and Heroku apps, on the caller's clients. */
export function shippedBlueprints(options: {
  opsworks: OpsWorksClient;
  heroku?: { token: string | (() => Promise<string>); baseUrl?: string };
  clock?: Clock;
  stopPollMs?: number;
}): Blueprint[] {
  const apps = options.heroku ? new HerokuAppTeardown(options.heroku) : noHeroku;
  return [
    new OpsWorksInstanceBlueprint({ instances: new OpsWorksStacks(options.opsworks), clock: options.clock, stopPollMs: options.stopPollMs }),
    new AppBlueprint({ apps, clock: options.clock }),
  ];
}
