import { deployConfig } from "@scythe/core";
import { z } from "zod";
import { lambda } from "../shared/lambda.js";

/** What the first state passes: the raw execution input and the execution's own id and start. */
export const validateEvent = z.object({ input: z.unknown(), executionId: z.string().min(1), startedAt: z.iso.datetime({ offset: true }) });

/** Validates the execution input (a bad field fails the execution, naming it) and derives the config. */
export function makeHandler() {
  return lambda({
    job: "deploy.validate",
    schema: validateEvent,
    fn: async ({ input, executionId, startedAt }) => deployConfig(input, executionId, Date.parse(startedAt)),
  });
}

export const handler = makeHandler();
