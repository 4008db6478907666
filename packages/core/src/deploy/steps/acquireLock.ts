import { systemClock } from "../../clock.js";
import { LockHeldError } from "../../lock/errors.js";
import { LockService, type Lease } from "../../lock/LockService.js";
import { DeployEndedError, DeployLockError } from "../errors.js";
import type { DeployConfig } from "../input.js";
import type { DeployLock } from "../state.js";
import type { DeployServices } from "./session.js";

/**
 * Tries the deploy lock once; never sleeps. While another deploy holds it and the lock
 * wait has not run out, returns `acquired: false` and the state machine waits and
 * tries again; afterwards it throws DeployLockError. The owner is the execution, so a
 * retried task (whose first answer was lost) finds the lock already its own.
 */
export async function acquireDeployLock(services: DeployServices, config: DeployConfig): Promise<DeployLock> {
  const clock = services.clock ?? systemClock;
  const locks = new LockService({ store: services.lockStore, clock, ownerId: config.executionId });
  const leaseMs = config.leaseSeconds * 1000;
  let lease: Lease;
  try {
    lease = await locks.acquire(config.lockName, { leaseMs, waitMs: 0 });
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    const status = await locks.status(config.lockName);
    if (status.holder === config.executionId) {
      lease = await locks.extend({ name: config.lockName, owner: config.executionId, token: status.token, leaseMs, validUntil: 0 });
    } else {
      const waited = Math.round((clock.now() - config.startedAt) / 1000);
      if (clock.now() >= config.startedAt + config.lockWaitSeconds * 1000) {
        throw new DeployLockError(config.lockName, status.holder ?? error.holder, waited);
      }
      return { acquired: false, name: config.lockName, owner: config.executionId, token: 0, leaseMs, holder: status.holder ?? error.holder };
    }
  }
  const lock: DeployLock = { acquired: true, name: lease.name, owner: lease.owner, token: lease.token, leaseMs };
  await begin(services, config, lease, locks);
  return lock;
}

/**
 * Records the start. A late redelivery for a deploy that already ended has just taken the
 * lock again: it lets go before failing, so the next deploy does not wait out the lease.
 */
async function begin(services: DeployServices, config: DeployConfig, lease: Lease, locks: LockService): Promise<void> {
  try {
    await services.journal.begin(
      {
        executionId: config.executionId,
        stackId: config.stackId,
        layerId: config.layerId,
        appId: config.appId,
        batchSize: config.batchSize,
        lockName: lease.name,
        owner: lease.owner,
        token: lease.token,
        startedAt: new Date(config.startedAt).toISOString(),
      },
      { lock: lease.name, token: lease.token },
    );
  } catch (error) {
    if (error instanceof DeployEndedError) await locks.release(lease).catch(() => undefined);
    throw error;
  }
}
