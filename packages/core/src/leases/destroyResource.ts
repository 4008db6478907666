import { sleep } from "../lock/sleep.js";
import { PermanentDestroyError, TransientDestroyError, UnknownBlueprintError } from "./errors.js";
import type { ResourceRecord } from "../registry/records.js";
import type { ResourceStatus } from "../registry/resourceStatus.js";
import { transitionResource } from "./transitions.js";
import { done, written, type Applied, type WorkContext } from "./WorkContext.js";

/**
 * Tears a released resource down through its blueprint. The intent (start time, attempt
 * count) is written with the worker's fence before the blueprint runs, so a worker that
 * takes over after a crash knows a teardown may already have happened and relies on the
 * blueprint reporting "already-gone" instead of destroying twice.
 */
export async function destroyResource(resource: ResourceRecord, context: WorkContext): Promise<Applied> {
  const { registry, clock, fence, settings } = context;
  let blueprint;
  try {
    blueprint = context.blueprints.get(resource.blueprint);
  } catch (error) {
    if (error instanceof UnknownBlueprintError) return markBroken(resource, error.message, context);
    throw error;
  }
  const attempt = { startedAt: resource.destroy?.startedAt ?? clock.now(), attempts: (resource.destroy?.attempts ?? 0) + 1 };
  const current = written(await registry.updateResource(resource, { destroy: attempt }, clock.now(), fence), "resource", resource.id, resource.version);

  const delays = settings.destroyRetryDelaysMs;
  for (let i = 0; ; i++) {
    try {
      const result = await blueprint.destroy(current, context.signal);
      await move(current, "destroyed", context, {});
      context.destroys.push({ resourceId: current.id, result });
      // Housekeeping only: a referrer left behind is read and seen destroyed by the deallocator.
      for (const id of current.references) await context.registry.removeReferrer(id, current.id, clock.now()).catch(() => undefined);
      return done(result === "destroyed" ? "destroyed" : "destroyed (it was already gone)");
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof TransientDestroyError)) {
        const reason = error instanceof PermanentDestroyError ? message : `${error instanceof Error ? error.name : "Error"}: ${message}`;
        return markBroken(current, reason, context);
      }
      const delay = delays[i];
      if (delay === undefined) {
        const progress = { ...attempt, lastError: message };
        written(await registry.updateResource(current, { destroy: progress }, clock.now(), fence), "resource", current.id, current.version);
        return { kind: "defer", retryAt: clock.now() + (error.retryAfterMs ?? settings.deferMs), error: message };
      }
      await sleep(Math.max(delay, error.retryAfterMs ?? 0), context.signal);
    }
  }
}

async function markBroken(resource: ResourceRecord, reason: string, context: WorkContext): Promise<Applied> {
  await move(resource, "broken", context, { brokenReason: reason });
  return done(`broken: ${reason}`);
}

async function move(resource: ResourceRecord, to: ResourceStatus, context: WorkContext, changes: { brokenReason?: string }) {
  const out = await transitionResource(context.registry, resource, to, { ...changes, expiresAt: null }, context.clock.now(), context.fence);
  const next = written(out, "resource", resource.id, resource.version);
  context.transitions.push({ ref: { kind: "resource", id: resource.id }, from: resource.status, to });
  return next;
}
