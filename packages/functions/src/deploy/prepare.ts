import { prepareRollout } from "@scythe/core/deploy";
import { once } from "../shared/once.js";
import { deployServicesFromEnv } from "./services.js";
import { lockedTask } from "./task.js";

export const makeHandler = lockedTask("prepare", prepareRollout);

export const handler = makeHandler(once(deployServicesFromEnv));
