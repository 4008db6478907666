import type { MiddlewareObj } from "@middy/core";
import type { z } from "zod";
import { parseInput } from "@scythe/core/validation";

/**
 * Middy middleware: replaces the event with its parsed form, or throws a ValidationError
 * naming the offending field before the handler (or anything that writes) runs.
 */
export function validateInput<S extends z.ZodType>(options: { schema: S }): MiddlewareObj<unknown> {
  const before: MiddlewareObj<unknown>["before"] = (request) => {
    request.event = parseInput(options.schema, request.event ?? {}, "event");
  };
  return { before };
}
