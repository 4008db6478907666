import { systemClock, type Clock } from "../clock.js";
import { ValidationError } from "../errors.js";
import { QueueContentionError } from "./errors.js";
import type { ObjectRef } from "./keys.js";
import type { CommandBody, CommandRecord } from "./records.js";
import type { Registry } from "./Registry.js";

export interface CommandQueueOptions {
  readonly registry: Registry;
  readonly clock?: Clock;
  /** How long a command may wait for its worker before the sweep steps in (ms, default 30 s). */
  readonly takeOverAfterMs?: number;
}

/**
 * Appends commands to an object's queue. Anyone may append; only the object's update
 * worker consumes. Order is the order of sequence numbers: a slot is taken from an
 * atomic counter, then filled by a put that fails if the slot is already filled. A
 * worker that finds an empty slot before a filled one fills the hole itself, so the
 * late appender loses the slot and takes a new one, later in the queue.
 */
export class CommandQueue {
  private readonly registry: Registry;
  private readonly clock: Clock;
  private readonly takeOverAfterMs: number;

  constructor(options: CommandQueueOptions) {
    this.registry = options.registry;
    this.clock = options.clock ?? systemClock;
    this.takeOverAfterMs = options.takeOverAfterMs ?? 30_000;
  }

  async append(ref: ObjectRef, body: CommandBody, author: string): Promise<CommandRecord> {
    if (body.command === "gap") throw new ValidationError("command", "gap is written by workers only");
    if (ref.kind === "lease" && (body.command === "reclaim" || body.command === "lease-ended" || body.command === "deallocate")) {
      throw new ValidationError("command", `a lease does not take ${body.command} commands`);
    }
    if (author.trim() === "") throw new ValidationError("author", "must not be empty");
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.clock.now();
      const seq = await this.registry.allocateSeq(ref, now);
      const command: CommandRecord = { ...body, seq, author, createdAt: now };
      if (await this.registry.putCommand(ref, command, now + this.takeOverAfterMs)) return command;
    }
    throw new QueueContentionError(`could not append to the queue of ${ref.kind} ${ref.id}: every slot taken was filled by a worker`);
  }
}
