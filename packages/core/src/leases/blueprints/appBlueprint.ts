import { systemClock, type Clock } from "../../clock.js";
import type { Blueprint, DestroyResult, ExpiryTarget } from "../Blueprint.js";
import { PermanentDestroyError, TransientDestroyError } from "../errors.js";
import type { ResourceRecord } from "../../registry/records.js";
import { AppApiError, type AppTeardown } from "./AppTeardown.js";
import { protectedUntilVeto } from "./protection.js";
import { teardownAttributes } from "./attributeRules.js";

export interface AppBlueprintOptions {
  readonly apps: AppTeardown;
  readonly clock?: Clock;
  readonly vetoExpiry?: (target: ExpiryTarget) => Promise<string | undefined>;
}

/** Tears down a platform app (attribute `app`: its name or id). */
export class AppBlueprint implements Blueprint {
  readonly name = "heroku-app";
  readonly attributes = { app: teardownAttributes.herokuApp };
  readonly vetoExpiry: (target: ExpiryTarget) => Promise<string | undefined>;

  constructor(private readonly options: AppBlueprintOptions) {
    this.vetoExpiry = options.vetoExpiry ?? protectedUntilVeto(options.clock ?? systemClock);
  }

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const app = resource.attributes.app;
    if (!app) throw new PermanentDestroyError(`resource ${resource.id} has no app attribute`);
    try {
      return (await this.options.apps.deleteApp(app)) === "deleted" ? "destroyed" : "already-gone";
    } catch (error) {
      if (!(error instanceof AppApiError)) throw error;
      if (error.retryable) throw new TransientDestroyError(error.message, { cause: error, retryAfterMs: error.retryAfterMs });
      throw new PermanentDestroyError(error.message, { cause: error });
    }
  }
}
