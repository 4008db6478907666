import type { StateMachine } from "aws-local-stepfunctions";

/** One event of the local engine's log (the package does not export the type by name). */
export type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncIterable<infer E> ? E : never;

/**
 * AWS's hard quota on one Standard execution's event history. When the history holds
 * 24,999 events, the 25,000th may only be ExecutionSucceeded; anything else is logged as
 * ExecutionFailed and the execution fails.
 */
export const historyEventLimit = 25_000;

export const historyLimitError = "States.HistoryLimitExceeded";
export const historyLimitCause = `The execution reached the maximum number of history events (${historyEventLimit}).`;

/**
 * How many events Step Functions would add to an execution's history for one event of the
 * local engine. Task states are Lambda invocations: entered, then per attempt
 * TaskScheduled + TaskStarted and TaskSucceeded or TaskFailed, then exited (5 on the
 * happy path). Every other state kind is entered and exited (2), as Wait, Choice, Pass,
 * Succeed and Fail states are in a real history.
 */
export function historyEventsFor(event: EventLog, callbackStates: ReadonlySet<string> = new Set()): number {
  // A `.waitForTaskToken` task also records TaskSubmitted when its Lambda has returned.
  const submitted = "state" in event && callbackStates.has(event.state.name) ? 1 : 0;
  switch (event.type) {
    case "ExecutionStarted":
    case "ExecutionSucceeded":
    case "ExecutionFailed":
    case "ExecutionAborted":
    case "ExecutionTimeout":
      return 1;
    case "StateEntered":
      // TaskStateEntered, then the first attempt's TaskScheduled and TaskStarted.
      return event.state.type === "Task" ? 3 + submitted : 1;
    case "StateExited":
      // TaskSucceeded before TaskStateExited.
      return event.state.type === "Task" ? 2 : 1;
    case "StateRetried":
      // The failed attempt's TaskFailed (or TaskTimedOut), then the next attempt's TaskScheduled and TaskStarted.
      return 3 + submitted;
    case "StateFailed":
    case "StateCaught":
      // The last attempt's TaskFailed (a caught error then leaves through its Catch).
      return event.state.type === "Task" ? 1 : 0;
    case "MapIterationStarted":
    case "MapIterationSucceeded":
    case "MapIterationFailed":
    case "ParallelBranchStarted":
    case "ParallelBranchSucceeded":
    case "ParallelBranchFailed":
      return 1;
  }
}

/** Counts an execution's history as it grows and says when the next event would break the quota. */
export class HistoryCounter {
  #events = 0;

  constructor(
    private readonly limit = historyEventLimit,
    private readonly callbackStates: ReadonlySet<string> = new Set(),
  ) {}

  get events(): number {
    return this.#events;
  }

  /**
   * Adds an event's history entries. Returns false when they do not fit: the history would
   * pass the limit, or reach it with anything but ExecutionSucceeded.
   */
  add(event: EventLog): boolean {
    const added = historyEventsFor(event, this.callbackStates);
    const after = this.#events + added;
    const fits = after < this.limit || (after === this.limit && event.type === "ExecutionSucceeded");
    if (fits) this.#events = after;
    return fits;
  }
}
