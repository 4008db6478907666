import type { AppPlatform } from "../../ports/AppPlatform.js";
import { PlatformError } from "../../ports/platformErrors.js";
import type { CloudResource, Inventory, RemoveOutcome } from "../Inventory.js";

/** Apps on an app platform (Heroku), named by app name, removed by id. */
export class PlatformAppInventory implements Inventory {
  readonly kind = "app";

  constructor(private readonly platform: AppPlatform) {}

  async list(): Promise<CloudResource[]> {
    const apps = await this.platform.listApps();
    return apps.map((app) => ({ kind: this.kind, name: app.name, id: app.id }));
  }

  /**
   * Only an answer that proves absence (Heroku's 404 `not_found`) counts as gone. A 403 does
   * not: the app may be mid-deletion by another caller, or not ours to delete; it is still
   * there, so this is an error the report shows and a later pass looks at again.
   */
  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    const outcome = await this.platform.deleteApp({ id: resource.id, name: resource.name, createdAt: 0, finished: false });
    if (outcome.kind === "deleted") return "removed";
    if (outcome.status === 404) return outcome.afterLostAnswer ? "removed" : "already-gone";
    throw new PlatformError(`DELETE answered ${outcome.status}: ${outcome.detail}; the app still exists, not removed`, { status: outcome.status });
  }
}
