import type { AppPlatform } from "../../reaper/AppPlatform.js";
import type { CloudResource, Inventory, RemoveOutcome } from "../Inventory.js";

/** Apps on an app platform (Heroku), named by app name, removed by id. */
export class PlatformAppInventory implements Inventory {
  readonly kind = "app";

  constructor(private readonly platform: AppPlatform) {}

  async list(): Promise<CloudResource[]> {
    const apps = await this.platform.listApps();
    return apps.map((app) => ({ kind: this.kind, name: app.name, id: app.id }));
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    const outcome = await this.platform.deleteApp({ id: resource.id, name: resource.name, createdAt: 0, finished: false });
    return outcome.kind === "deleted" ? "removed" : "already-gone";
  }
}
