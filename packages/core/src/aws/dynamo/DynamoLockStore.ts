import { randomUUID } from "node:crypto";
import type { ReturnConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { GetCommand, type UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { write } from "./gateway.js";
import { systemClock, type Clock } from "../../clock.js";
import { StorageUnavailableError } from "../../errors.js";
import type { AcquireOutcome, LockRecord, LockStore, Ticket } from "../../lock/LockStore.js";

export interface DynamoLockStoreOptions {
  readonly tableName: string;
  readonly returnConsumedCapacity?: ReturnConsumedCapacity;
  /** Stamps when the lock changes hands (waiters time their turn from it); default the system clock. */
  readonly clock?: Clock;
}

type Item = Record<string, unknown>;
type Expression = Pick<UpdateCommand["input"], "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues">;

// Taking the lock: the holder, a higher token, the write's own id (to recognise it when an
// SDK retry of it finds it already applied), and when (with the spacing since the last take).
const retake =
  "holder = :owner, expiresAt = :exp, #token = if_not_exists(#token, :zero) + :one, claimId = :claim, " +
  "changedAt = :now, turnMs = :now - if_not_exists(acquiredAt, :now), acquiredAt = :now";
// A take that starts a turn also says whose it is and until when its owner may take the lock again past the line.
const take = `${retake}, turnOwner = :owner, turnUntil = :turnUntil`;
// An exclusive take refuses a semaphore's header (its `kind`): one more term of the same condition, no read.
const lockFree = "attribute_not_exists(kind) AND (attribute_not_exists(holder) OR expiresAt < :expiredBefore)";
/** The most given-up tickets one claim passes over by name (each is a term of its condition); beyond that, the grace rule. */
const maxPassing = 32;
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** The line is at `tickets[0]` and every one of `tickets` was given up. */
function passingCondition(tickets: readonly number[]): { condition: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = { ":passFrom": tickets[0], ":passed": new Set(tickets) };
  const terms = tickets.map((t, i) => {
    values[`:pass${i}`] = t;
    return `contains(gaveUp, :pass${i})`;
  });
  return { condition: `(serving = :passFrom AND ${terms.join(" AND ")})`, values };
}

/**
 * LockStore on one DynamoDB table keyed by `pk`; every change is one conditional UpdateItem.
 * The lock item also carries a waiting line (a ticket lock): `nextTicket` tickets handed out,
 * `serving` the lowest that may still take the lock. Taking a free lock with nobody in line
 * is one write, as is giving it back; a waiter takes a ticket (one write) and claims its turn.
 */
export class DynamoLockStore implements LockStore {
  private readonly clock: Clock;
  /** Held here (name#token): when the take was sent and the hold average it found, for the release's update. */
  private readonly held = new Map<string, { at: number; avg?: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoLockStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async acquire(name: string, owner: string, expiresAt: number, expiredBefore: number, lineStaleBefore = expiredBefore, turnUntil?: number): Promise<AcquireOutcome> {
    const claim = randomUUID();
    const now = this.clock.now();
    // Nobody in line, or a line that stood still since `lineStaleBefore` (its waiters are gone):
    // then the line is emptied (`serving` catches up with the tickets handed out).
    const out = await this.update(name, {
      // Every ticket is passed: the given-up ones need no remembering.
      UpdateExpression: `SET ${take}, serving = if_not_exists(nextTicket, :zero) REMOVE gaveUp`,
      ConditionExpression: `${lockFree} AND (attribute_not_exists(nextTicket) OR serving >= nextTicket OR changedAt < :lineStale)`,
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: {
        ":owner": owner, ":exp": expiresAt, ":zero": 0, ":one": 1, ":expiredBefore": expiredBefore,
        ":claim": claim, ":now": now, ":lineStale": lineStaleBefore, ":turnUntil": turnUntil ?? now,
      },
    });
    const first = this.outcome(out, owner, claim, now);
    if (first.acquired) return first;
    // Everyone still in line gave up: take it over them (one more write, only then).
    const lock = first.current;
    const waiting = range(lock.serving ?? 0, lock.nextTicket ?? 0);
    const free = lock.holder === undefined || lock.expiresAt < expiredBefore;
    if (!free || waiting.length === 0 || waiting.length > maxPassing || !waiting.every((t) => lock.gaveUp?.includes(t))) return first;
    const passing = passingCondition(waiting);
    const again = await this.update(name, {
      UpdateExpression: `SET ${take}, serving = :served DELETE gaveUp :passed`,
      ConditionExpression: `${lockFree} AND nextTicket = :served AND ${passing.condition}`,
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: {
        ":owner": owner, ":exp": expiresAt, ":zero": 0, ":one": 1, ":expiredBefore": expiredBefore, ":claim": claim, ":now": now,
        ":served": lock.nextTicket, ":turnUntil": turnUntil ?? now, ...passing.values,
      },
    });
    return this.outcome(again, owner, claim, now);
  }

  async retake(name: string, owner: string, expiresAt: number, expiredBefore: number, now: number): Promise<AcquireOutcome> {
    const claim = randomUUID();
    const at = this.clock.now();
    // Whatever the line: the turn is this owner's and has not ended (by the caller's clock). The turn is not extended.
    const out = await this.update(name, {
      UpdateExpression: `SET ${retake}`,
      ConditionExpression: `${lockFree} AND turnOwner = :owner AND turnUntil > :turnNow`,
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: {
        ":owner": owner, ":exp": expiresAt, ":zero": 0, ":one": 1, ":expiredBefore": expiredBefore, ":claim": claim, ":now": at, ":turnNow": now,
      },
    });
    return this.outcome(out, owner, claim, at);
  }

  async giveUp(name: string, ticket: number): Promise<void> {
    // Only a ticket the line has not passed yet; adding to a set is the same when repeated.
    await this.update(name, {
      UpdateExpression: "ADD gaveUp :ticket",
      ConditionExpression: "serving <= :t",
      ExpressionAttributeValues: { ":ticket": new Set([ticket]), ":t": ticket },
    });
  }

  async takeTicket(name: string): Promise<Ticket> {
    const join = randomUUID();
    // Conditional only so that an SDK retry of an applied join does not take a second ticket.
    const out = await this.update(name, {
      UpdateExpression: "SET lastJoin = :join, serving = if_not_exists(serving, :zero), changedAt = if_not_exists(changedAt, :now) ADD nextTicket :one",
      ConditionExpression: "attribute_not_exists(kind) AND (attribute_not_exists(lastJoin) OR lastJoin <> :join)",
      ExpressionAttributeValues: { ":join": join, ":zero": 0, ":one": 1, ":now": this.clock.now() },
    });
    if (!out.ok && out.item.kind !== undefined) return { ticket: -1, lock: toRecord(out.item) };
    if (!out.ok && out.item.lastJoin !== join) throw new StorageUnavailableError(`lock table ${this.options.tableName}: ticket for ${name} refused`);
    const lock = toRecord(out.item);
    return { ticket: (lock.nextTicket ?? 1) - 1, lock };
  }

  async claim(name: string, owner: string, ticket: number, expiresAt: number, expiredBefore: number, skipBefore: number, passing: readonly number[] = [], turnUntil?: number): Promise<AcquireOutcome> {
    const claim = randomUUID();
    const now = this.clock.now();
    const pass = passing.length > 0 && passing.length <= maxPassing ? passingCondition(passing) : undefined;
    const out = await this.update(name, {
      UpdateExpression: `SET ${take}, serving = :next${pass ? " DELETE gaveUp :passed" : ""}`,
      ConditionExpression:
        `${lockFree} AND serving <= :ticket AND ` +
        `(serving = :ticket OR (changedAt < :skipBefore AND (attribute_not_exists(holder) OR expiresAt < :skipBefore))${pass ? ` OR ${pass.condition}` : ""})`,
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: {
        ":owner": owner, ":exp": expiresAt, ":zero": 0, ":one": 1, ":expiredBefore": expiredBefore,
        ":claim": claim, ":now": now, ":ticket": ticket, ":next": ticket + 1, ":skipBefore": skipBefore, ":turnUntil": turnUntil ?? now, ...pass?.values,
      },
    });
    return this.outcome(out, owner, claim, now);
  }

  async declareSemaphore(name: string, permits: number, expiredBefore: number): Promise<{ ok: true } | { ok: false; current: LockRecord }> {
    // Already this semaphore, or no header and no live exclusive holder (one whose lease ran out
    // loses the name: its extend and release are refused, as after any takeover; the token stays).
    const out = await this.update(name, {
      UpdateExpression: "SET kind = :semaphore, permits = :permits, expiresAt = :zero REMOVE holder",
      ConditionExpression:
        "(kind = :semaphore AND permits = :permits) OR (attribute_not_exists(kind) AND (attribute_not_exists(holder) OR expiresAt < :expiredBefore))",
      ExpressionAttributeValues: { ":semaphore": "semaphore", ":permits": permits, ":expiredBefore": expiredBefore, ":zero": 0 },
    });
    return out.ok ? { ok: true } : { ok: false, current: toRecord(out.item) };
  }

  async extend(name: string, owner: string, token: number, expiresAt: number): Promise<LockRecord | null> {
    const out = await this.update(name, {
      UpdateExpression: "SET expiresAt = :exp",
      ConditionExpression: "holder = :owner AND #token = :token",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":owner": owner, ":token": token, ":exp": expiresAt },
    });
    return out.ok ? toRecord(out.item) : null;
  }

  async release(name: string, owner: string, token: number): Promise<boolean> {
    const now = this.clock.now();
    const key = `${name}#${token}`;
    const took = this.held.get(key);
    this.held.delete(key);
    // How long holders hold, smoothed (7/8 of the last average): waiters time their turn from it.
    const heldMs = took ? Math.round(took.avg === undefined ? now - took.at : (7 * took.avg + (now - took.at)) / 8) : undefined;
    const out = await this.update(name, {
      UpdateExpression: `REMOVE holder SET expiresAt = :zero, changedAt = :now${heldMs === undefined ? "" : ", heldMs = :held"}`,
      ConditionExpression: "holder = :owner AND #token = :token",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":owner": owner, ":token": token, ":zero": 0, ":now": now, ...(heldMs === undefined ? {} : { ":held": Math.max(0, heldMs) }) },
    // Nothing of the released item is needed: without it the write costs DynamoDB and this process less (a refusal still returns the item).
    }, "NONE");
    return out.ok;
  }

  async get(name: string): Promise<LockRecord | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: { pk: name }, ConsistentRead: true }),
      );
      return out.Item ? toRecord(out.Item) : null;
    } catch (error) {
      throw unavailable(this.options.tableName, error);
    }
  }

  /** A refused take whose refusal shows this very write (an SDK retry after a lost response) is a take. */
  private outcome(out: { ok: boolean; item: Item }, owner: string, claim: string, at: number): AcquireOutcome {
    if (out.ok || (out.item.claimId === claim && out.item.holder === owner)) {
      const lock = toRecord(out.item);
      this.held.set(`${lock.name}#${lock.token}`, { at, avg: lock.heldMs });
      return { acquired: true, lock };
    }
    return { acquired: false, current: toRecord(out.item) };
  }

  private async update(name: string, expr: Expression, returnValues: "ALL_NEW" | "NONE" = "ALL_NEW"): Promise<{ ok: boolean; item: Item }> {
    const out = await write(
      this.client,
      {
        update: {
          TableName: this.options.tableName,
          Key: { pk: name },
          ...expr,
          ReturnValues: returnValues,
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: this.options.returnConsumedCapacity,
        },
      },
      `lock table ${this.options.tableName}`,
    );
    if (out.ok) return { ok: true, item: out.attributes ?? { pk: name } };
    return { ok: false, item: out.item ?? { pk: name } };
  }
}

function unavailable(table: string, error: unknown): StorageUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageUnavailableError(`lock table ${table} unavailable (${reason})`, { cause: error });
}

const num = (value: unknown) => (typeof value === "number" ? value : undefined);

function toRecord(item: Item): LockRecord {
  return {
    name: String(item.pk),
    holder: typeof item.holder === "string" ? item.holder : undefined,
    token: num(item.token) ?? 0,
    expiresAt: num(item.expiresAt) ?? 0,
    nextTicket: num(item.nextTicket),
    serving: num(item.serving),
    changedAt: num(item.changedAt),
    acquiredAt: num(item.acquiredAt),
    heldMs: num(item.heldMs),
    turnMs: num(item.turnMs),
    turnOwner: typeof item.turnOwner === "string" ? item.turnOwner : undefined,
    turnUntil: num(item.turnUntil),
    ...(item.kind === "semaphore" && { kind: "semaphore" as const, permits: num(item.permits) }),
    ...(item.gaveUp instanceof Set && { gaveUp: [...(item.gaveUp as Set<unknown>)].filter((t): t is number => typeof t === "number") }),
  };
}
