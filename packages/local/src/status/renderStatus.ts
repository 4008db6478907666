import { escapeHtml as e } from "../report/html.js";
import { renderTimelineSection, timelineCss } from "../report/renderTimeline.js";
import type { StatusSnapshot } from "./snapshot.js";

const ROWS = 20;

function when(epochMs: number | undefined, now: number): string {
  if (epochMs === undefined || epochMs === 0) return "—";
  const s = Math.round((epochMs - now) / 1000);
  return s >= 0 ? `in ${s} s` : `${-s} s ago`;
}

function countsBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  if (counts.size === 0) return "";
  return `<p class="counts">${[...counts].map(([k, n]) => `<span class="chip" data-status="${e(k)}">${e(k)} <b>${n}</b></span>`).join(" ")}</p>`;
}

function table(headers: readonly string[], rows: readonly string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  const head = headers.map((h) => `<th>${e(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function more(total: number): string {
  return total > ROWS ? `<p class="meta">showing the ${ROWS} most recently changed of ${total}</p>` : "";
}

/** The page's live part: what `/fragment` returns and the page swaps in every second. */
export function renderStatusMain(s: StatusSnapshot): string {
  const now = Date.parse(s.generatedAt);
  const locks = table(
    ["lock", "state", "holder", "token", "expires"],
    s.locks.map((l) => [
      `<code>${e(l.name)}</code>`,
      l.held ? `<span class="held">held</span>` : "free",
      l.held ? e(l.holder ?? "") : "—",
      String(l.token),
      l.held ? e(when(l.expiresAt, now)) : "—",
    ]),
    "No lock has been taken yet.",
  );
  const leases = table(
    ["lease", "resource", "holder", "status", "expires"],
    s.leases.slice(0, ROWS).map((l) => [`<code>${e(l.id)}</code>`, `<code>${e(l.resourceId)}</code>`, e(l.holder), `<span class="st">${e(l.status)}</span>`, e(when(l.expiresAt, now))]),
    "No leases.",
  );
  const resources = table(
    ["resource", "kind", "blueprint", "status", "leases", "note"],
    s.resources.slice(0, ROWS).map((r) => [
      `<code>${e(r.id)}</code>`,
      e(r.kind),
      e(r.blueprint),
      `<span class="st">${e(r.status)}</span>`,
      String(r.leaseIds.length),
      e([r.deleteRequested ? "marked for deletion" : "", r.brokenReason ?? "", r.expiresAt ? `expires ${when(r.expiresAt, now)}` : ""].filter(Boolean).join("; ")),
    ]),
    "No resources.",
  );
  const reaper = s.reaperReports.length === 0
    ? `<p class="empty">No reaper pass recorded yet: the last passes of <code>scythe reap</code> (or the reaper Lambda) appear here.</p>`
    : s.reaperReports
        .map((log) =>
          `<h3><code>${e(log.lock)}</code></h3>` +
          table(
            ["started", "namespace", "seen", "matched", "deleted", "left", "conflicts", "errors", "remaining / limit", "apps deleted"],
            log.reports.map((r) => [
              e(when(Date.parse(r.startedAt), now)),
              `<code>${e(r.namespace)}</code>`,
              String(r.seen),
              String(r.matched),
              `${r.deleted}${r.dryRun ? " (dry run)" : ""}`,
              String(r.left),
              String(r.conflicts),
              r.errors > 0 ? `<span class="bad" title="${e(r.errorMessages.join("\n"))}">${r.errors}</span>` : "0",
              `${r.remaining} / ${r.limit}`,
              e(r.deletedNames.join(", ") + (r.deleted > r.deletedNames.length ? ", …" : "")),
            ]),
            "",
          ),
        )
        .join("\n");
  const running = s.deploys.filter((d) => d.summary.status === "running" || d.summary.status === "stopping").length;
  const deploys = s.deploys.length === 0
    ? `<p class="empty">No rollout yet: <code>scythe deploy</code> draws its timeline here while it runs.</p>`
    : `<p class="meta">${running} in progress, ${s.deploys.length - running} recent</p>\n${s.deploys.map((d) => renderTimelineSection(d.timeline)).join("\n")}`;
  const events = table(
    ["seq", "time", "service", "action", "outcome", "in service after"],
    s.events.map((ev) => [
      String(ev.seq),
      e(ev.realAt.slice(11, 23)),
      e(ev.service),
      `${e(ev.action)}${ev.kind === "transition" ? ` <span class="meta">(transition)</span>` : ""}`,
      ev.outcome === "ok" ? "ok" : `<span class="bad">${e(ev.outcome)}${ev.code ? ` ${e(ev.code)}` : ""}</span>`,
      e(Object.entries(ev.inService).map(([lb, n]) => `${lb}: ${n}`).join(", ")),
    ]),
    "The simulator has logged nothing yet.",
  );
  return `<p class="meta" id="generated" data-generated="${e(s.generatedAt)}">read at ${e(s.generatedAt.slice(11, 19))} UTC</p>
<section id="locks"><h2>Locks</h2>${locks}</section>
<section id="leases"><h2>Leases</h2>${countsBy(s.leases, (l) => l.status)}${leases}${more(s.leases.length)}</section>
<section id="resources"><h2>Resources</h2>${countsBy(s.resources, (r) => r.status)}${resources}${more(s.resources.length)}</section>
<section id="reaper"><h2>Last reaper passes</h2>${reaper}</section>
<section id="deploys"><h2>Deploys</h2>${deploys}</section>
<section id="events"><h2>Simulator event log</h2><p class="meta">newest ${s.events.length} of ${s.eventCount}</p>${events}</section>`;
}

const css = `${timelineCss}
header{display:flex;align-items:baseline;gap:16px}#live{font-size:12px;padding:2px 8px;border-radius:8px;background:#d8f1e1;color:#1d7a43}
#live.down{background:#f8d7d7;color:#c62828}section{margin:18px 0;border-top:1px solid #e4e4e4}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid #f0f0f0}
th{color:#555;font-weight:600}.held{color:#1f4e9c;font-weight:700}.bad{color:#c62828;font-weight:700}.empty{color:#777;font-style:italic}
.chip{display:inline-block;background:#eef2f7;border-radius:8px;padding:1px 8px;margin-right:6px;font-size:12px}h3{font-size:13px;margin:8px 0 0}`;

/**
 * The whole page. The script only re-fetches the live part every second and swaps it in;
 * everything shown is rendered on the server, so the page reads the same without it.
 */
export function renderStatusPage(s: StatusSnapshot, options: { world: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scythe status</title><style>${css}</style></head>
<body><header><h1>Scythe — local world status</h1><span id="live">live</span></header>
<p class="meta">${e(options.world)}</p>
<main id="status">${renderStatusMain(s)}</main>
<script>
(() => {
  const live = document.getElementById("live");
  async function refresh() {
    try {
      const res = await fetch("/fragment", { cache: "no-store" });
      if (!res.ok) throw new Error(String(res.status));
      document.getElementById("status").innerHTML = await res.text();
      live.textContent = "live"; live.className = "";
    } catch {
      live.textContent = "disconnected: is scythe dev still running?"; live.className = "down";
    }
    setTimeout(refresh, 1000);
  }
  setTimeout(refresh, 1000);
})();
</script>
</body></html>
`;
}
