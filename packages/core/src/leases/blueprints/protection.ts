import type { Clock } from "../../clock.js";
import type { ExpiryTarget } from "../Blueprint.js";

/**
 * The default last-moment veto of the shipped blueprints: a resource attribute
 * `protectedUntil` (an ISO date) in the future keeps it and its leases, like the
 * protection tag of cloud-nuke and aws-nuke. Unparseable dates protect nothing.
 */
export function protectedUntilVeto(clock: Clock) {
  return async ({ resource }: ExpiryTarget): Promise<string | undefined> => {
    const until = resource.attributes.protectedUntil;
    if (until === undefined) return undefined;
    const at = Date.parse(until);
    return Number.isFinite(at) && at > clock.now() ? `protected until ${until}` : undefined;
  };
}
