import type { ExpiryTarget } from "./Blueprint.js";
import type { CommandRecord } from "../registry/records.js";
import type { WorkContext } from "./WorkContext.js";

/**
 * For a release the expiry sweep asked for: whether it still applies now. An extend
 * consumed earlier may have moved the expiry; the blueprint may veto at the last moment.
 */
export async function expiryStillApplies(
  command: CommandRecord,
  expiresAt: number | undefined,
  target: ExpiryTarget | undefined,
  context: WorkContext,
): Promise<{ applies: true } | { applies: false; reason: string; veto?: string }> {
  if (command.command !== "release" || command.reason !== "expiry") return { applies: true };
  const now = context.clock.now();
  if (expiresAt === undefined || expiresAt > now) return { applies: false, reason: "not due: the expiry was moved or removed" };
  // An idle countdown that a new lease overtook (the lease attached between read and write).
  if (!target?.lease && target?.resource.idleCountdown && target.resource.leaseIds.length > 0) {
    return { applies: false, reason: "not due: leased again during its idle countdown" };
  }
  if (!target || !context.blueprints.has(target.resource.blueprint)) return { applies: true };
  const veto = await context.blueprints.get(target.resource.blueprint).vetoExpiry?.(target);
  return veto ? { applies: false, reason: `vetoed: ${veto}`, veto } : { applies: true };
}
