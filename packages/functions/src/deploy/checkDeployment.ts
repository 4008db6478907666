import { checkDeployment } from "@scythe/core/deploy";
import { once } from "../shared/once.js";
import { deployServicesFromEnv } from "./services.js";
import { rolloutTask } from "./task.js";

export const makeHandler = rolloutTask("checkDeployment", checkDeployment);

export const handler = makeHandler(once(deployServicesFromEnv));
