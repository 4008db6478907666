/** Where the live line goes: a terminal (isTTY, columns) or anything else, which gets plain lines. */
export interface StatusStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const CLEAR = "\r\x1b[2K";
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Whether a live line is wanted: a terminal that can redraw, and no --json. */
export function wantsLiveLine(stream: StatusStream, json: boolean, env: NodeJS.ProcessEnv): boolean {
  return !json && stream.isTTY === true && env.TERM !== "dumb";
}

export function formatSeconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

/**
 * One status line at the bottom of a terminal, redrawn a few times a second from
 * `render` (counts, what the command is waiting for, time left). Progress messages are
 * printed above it. Off a terminal it draws nothing: the plain messages are all there is.
 */
export class LiveStatus {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private drawn = false;

  constructor(
    private readonly stream: StatusStream,
    readonly live: boolean,
    private readonly render: () => string,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    if (this.live && !this.timer) {
      this.draw();
      this.timer = setInterval(() => this.draw(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /** Prints a message line; on a terminal, above the status line, which is then redrawn. */
  print(line: string): void {
    if (this.drawn) this.stream.write(CLEAR);
    this.stream.write(`${line}\n`);
    if (this.timer) this.draw();
  }

  /** Redraws now (also what the timer does). */
  draw(): void {
    if (!this.live) return;
    // A terminal that reports no size (0 columns, as under `script`) is taken as 80 wide.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const text = `${FRAMES[this.frame++ % FRAMES.length]} ${this.render()}`;
    this.stream.write(`${CLEAR}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.drawn = true;
  }

  /** Removes the line and stops redrawing; the terminal is left as if it had never been there. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write(CLEAR);
    this.drawn = false;
  }
}

/**
 * A live line for a pass that says how far it has got: what it is doing, done of total,
 * time so far and, once some work is finished, the time left at the pace so far.
 */
export function countLine(doing: string, unit: string, now: () => number = Date.now): { render: () => string; update: (done: number, total: number) => void } {
  const started = now();
  let done = 0;
  let total: number | undefined;
  return {
    update: (d, t) => {
      done = d;
      total = t;
    },
    render: () => {
      const elapsed = now() - started;
      const parts = [doing];
      if (total !== undefined) {
        parts.push(`${done}/${total} ${unit}`);
        if (done > 0 && done < total) parts.push(`about ${formatSeconds((elapsed / done) * (total - done))} left`);
      }
      parts.push(`${formatSeconds(elapsed)} elapsed`);
      return parts.join(" · ");
    },
  };
}
