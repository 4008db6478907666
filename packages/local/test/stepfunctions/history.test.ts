import { describe, expect, it } from "vitest";
import { HistoryCounter, historyEventsFor, type EventLog } from "../../src/stepfunctions/history.js";

const state = (type: string, name = type) => ({ name, type, input: null }) as unknown as Extract<EventLog, { type: "StateEntered" }>["state"];
const at = 0;
const entered = (type: string): EventLog => ({ type: "StateEntered", timestamp: at, state: state(type) });
const exited = (type: string): EventLog => ({ type: "StateExited", timestamp: at, state: state(type) });
const retried: EventLog = { type: "StateRetried", timestamp: at, state: state("Task"), retry: { retrier: { ErrorEquals: ["States.ALL"] }, attempt: 1 } } as EventLog;
const started: EventLog = { type: "ExecutionStarted", timestamp: at, input: null };
const succeeded: EventLog = { type: "ExecutionSucceeded", timestamp: at, output: null };
const failedState: EventLog = { type: "StateFailed", timestamp: at, state: state("Task"), Error: "E", Cause: "c" } as EventLog;
const sum = (events: EventLog[]) => events.reduce((n, e) => n + historyEventsFor(e), 0);

describe("history events, counted as Step Functions records them", () => {
  it("a Lambda task is five events (entered, scheduled, started, succeeded, exited); Wait and Choice two each", () => {
    expect(sum([entered("Task"), exited("Task")])).toBe(5);
    expect(sum([entered("Wait"), exited("Wait")])).toBe(2);
    expect(sum([entered("Choice"), exited("Choice")])).toBe(2);
    // The figure for one poll: Wait + Task + Choice.
    expect(sum([entered("Wait"), exited("Wait"), entered("Task"), exited("Task"), entered("Choice"), exited("Choice")])).toBe(9);
  });

  it("a retry adds the failed attempt and the next attempt's schedule and start; a failed task its last TaskFailed", () => {
    expect(sum([entered("Task"), retried, exited("Task")])).toBe(8);
    expect(sum([entered("Task"), failedState])).toBe(4);
    expect(sum([started, succeeded])).toBe(2);
  });

  it("refuses the event that would pass the quota, and lets ExecutionSucceeded be the last one at exactly the quota", () => {
    const counter = new HistoryCounter(6);
    expect(counter.add(started)).toBe(true);
    expect(counter.add(entered("Task"))).toBe(true);
    expect(counter.events).toBe(4);
    // TaskSucceeded + TaskStateExited would make 6 = the quota, and they are not ExecutionSucceeded.
    expect(counter.add(exited("Task"))).toBe(false);
    expect(counter.events).toBe(4);

    const exact = new HistoryCounter(4);
    for (const e of [started, entered("Pass"), exited("Pass")]) expect(exact.add(e)).toBe(true);
    expect(exact.add(succeeded)).toBe(true);
    expect(exact.events).toBe(4);
  });
});
