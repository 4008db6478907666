/** Shared pieces of the OpsWorks handlers. */
import type { CallContext } from "./calls.js";
import { AwsError } from "./errors.js";
import type { JsonInput } from "./jsonInput.js";
import type { World } from "./world.js";

export type OpsWorksAction = (world: World, input: JsonInput, ctx: CallContext) => unknown;

export function notFound(kind: string, id: string): AwsError {
  return new AwsError("ResourceNotFoundException", `Unable to find ${kind} with ID ${id}`);
}
