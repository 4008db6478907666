import { describe, expect, it } from "vitest";
import type { InstanceProgress } from "@scythe/core/deploy";
import { LiveStatus, countLine, wantsLiveLine } from "../../src/progress/LiveStatus.js";
import { DeployProgress } from "../../src/progress/deployProgress.js";
import { describeProgress } from "../../src/stepfunctions/followProgress.js";
import { ReapProgress } from "../../src/progress/reapProgress.js";

class Terminal {
  text = "";
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(chunk: string) {
    this.text += chunk;
  }
  /** What a person sees: each \r\x1b[2K wipes the current line. */
  get screen(): string[] {
    const lines: string[] = [""];
    // eslint-disable-next-line no-control-regex -- the terminal's own escape is what is parsed here
    for (const part of this.text.split(/(\r\x1b\[2K|\n)/)) {
      if (part === "\r\x1b[2K") lines[lines.length - 1] = "";
      else if (part === "\n") lines.push("");
      else lines[lines.length - 1] += part;
    }
    return lines;
  }
}

describe("Class: LiveStatus", () => {
  it("keeps one redrawn line under the messages on a terminal, and wipes it at the end", () => {
    const tty = new Terminal(true);
    let n = 0;
    const status = new LiveStatus(tty, true, () => `step ${++n}`, 60_000).start();
    status.print("› first message");
    status.draw();
    expect(tty.screen).toEqual(["› first message", expect.stringMatching(/^. step 3$/)]);
    status.stop();
    expect(tty.screen).toEqual(["› first message", ""]);
  });

  it("cuts the line to the terminal's width", () => {
    const tty = new Terminal(true, 30);
    const status = new LiveStatus(tty, true, () => "x".repeat(100), 60_000).start();
    status.stop();
    expect(tty.text).toContain(`${"x".repeat(26)}…`);
    expect(tty.text.split("\r\x1b[2K").every((part) => part.length <= 29)).toBe(true);
  });

  it("draws nothing off a terminal: the plain messages are all there is", () => {
    const pipe = new Terminal(false);
    const status = new LiveStatus(pipe, false, () => "never shown", 1).start();
    status.print("› a message");
    status.draw();
    status.stop();
    expect(pipe.text).toBe("› a message\n");
  });

  it("is wanted only on a terminal that can redraw, and never with --json", () => {
    expect(wantsLiveLine({ write: () => 0, isTTY: true }, false, {})).toBe(true);
    expect(wantsLiveLine({ write: () => 0, isTTY: true }, true, {})).toBe(false);
    expect(wantsLiveLine({ write: () => 0 }, false, {})).toBe(false);
    expect(wantsLiveLine({ write: () => 0, isTTY: true }, false, { TERM: "dumb" })).toBe(false);
  });
});

describe("Class: ReapProgress", () => {
  it("says what it waits for and how long is left: the lock, then the oldest app reaching its TTL", () => {
    let now = 1_000_000;
    const p = new ReapProgress(120_000, false, () => now);
    now += 30_000;
    expect(p.line()).toBe("waiting for the reaper lock (another pass may hold it) · 1 min 30 s left");
    p.on({ type: "listed", listing: 1, seen: 40, matched: 25, live: 25 });
    p.on({ type: "deleted", dryRun: false, app: { id: "a", name: "hatchet-t-1", createdAt: "", ageMinutes: 9, reason: "older-than-ttl" } });
    p.on({ type: "waiting", wait: { ms: 42_000, capMs: 42_000, oldest: "hatchet-t-2" } });
    now += 2_000;
    expect(p.line()).toBe("25 of 40 apps in the namespace · 1 deleted · 0 conflicts · 0 errors · over the limit: waiting for hatchet-t-2 to reach the TTL · 40 s left");
    now += 41_000;
    expect(p.line()).toBe("25 of 40 apps in the namespace · 1 deleted · 0 conflicts · 0 errors · 1 min 13 s elapsed");
  });
});

describe("Class: DeployProgress", () => {
  const record = (hostname: string, batch: number, phase: InstanceProgress["phase"], extra: Partial<InstanceProgress> = {}): InstanceProgress => ({
    executionId: "x",
    instanceId: `i-${hostname}`,
    hostname,
    batch,
    phase,
    times: {},
    updatedAt: "",
    ...extra,
  });

  it("counts instances done, names the batch and what it waits for, and estimates the time left", () => {
    let now = 0;
    const p = new DeployProgress(() => now);
    expect(p.line()).toBe("waiting for the deploy lock and the plan · 0 s elapsed");
    for (const [h, b] of [["web1", 0], ["web2", 1], ["web3", 2]] as const) p.on(record(h, b, "pending"));
    p.on(record("web1", 0, "draining", { detachFrom: ["main"] }));
    now = 5_000;
    expect(p.line()).toBe("0/3 instances done · batch 1/3 · waiting for web1 to drain from main · 5 s elapsed");
    p.on(record("web1", 0, "done", { detachFrom: ["main"] }));
    p.on(record("web2", 1, "deploying", { detachFrom: ["main"], deploymentId: "d-2" }));
    now = 10_000;
    // One instance took 10 s: two more take about 20 s.
    expect(p.line()).toBe("1/3 instances done · batch 2/3 · waiting for deployment d-2 on web2 · about 20 s left");
  });

  it("the follow messages name target groups by their name from the ARN too", () => {
    const arn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
    const lines = (["detaching", "attaching", "reattached"] as const).map((phase) =>
      describeProgress(record("web1", 0, phase, { detachFrom: [arn("shop-web")], keptIn: [{ loadBalancer: arn("shop-admin"), reason: "it is the only instance in service" }] })),
    );
    expect(lines.join("\n")).not.toContain("arn:aws");
    expect(lines[0]).toContain("detaching from targetgroup/shop-web");
    expect(lines[0]).toContain("kept in targetgroup/shop-admin: it is the only instance in service");
    expect(lines[1]).toContain("reattaching to targetgroup/shop-web");
    expect(lines[2]).toContain("reattached to targetgroup/shop-web");
  });

  it("names a target group by its name from the ARN, not the whole ARN", () => {
    const p = new DeployProgress(() => 0);
    const arn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
    p.on(record("web1", 0, "draining", { detachFrom: [arn("shop-web"), "classic-main"] }));
    expect(p.line()).toBe("0/1 instances done · batch 1/1 · waiting for web1 to drain from targetgroup/shop-web, classic-main · 0 s elapsed");
    p.on(record("web1", 0, "attaching", { detachFrom: [arn("shop-admin")] }));
    expect(p.line()).toContain("waiting for web1 to be in service in targetgroup/shop-admin ·");
  });
});

describe("Function: countLine", () => {
  it("shows what it does, done of total and, once something is done, the time left at the pace so far", () => {
    let now = 1_000;
    const line = countLine("expiry sweep", "objects", () => now);
    expect(line.render()).toBe("expiry sweep · 0 s elapsed");
    line.update(0, 4);
    expect(line.render()).toBe("expiry sweep · 0/4 objects · 0 s elapsed");
    now += 2_000;
    line.update(1, 4);
    expect(line.render()).toBe("expiry sweep · 1/4 objects · about 6 s left · 2 s elapsed");
    now += 6_000;
    line.update(4, 4);
    expect(line.render()).toBe("expiry sweep · 4/4 objects · 8 s elapsed");
  });
});
