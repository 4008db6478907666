import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** One structured JSON logger and one EMF metrics sink per Lambda cold start. */
export const logger = new Logger({ serviceName: "scythe" });
export const metrics = new Metrics({ namespace: "Scythe", serviceName: "scythe" });
