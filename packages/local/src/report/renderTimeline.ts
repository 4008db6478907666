import { escapeHtml as e } from "./html.js";
import { loadBalancerLabel } from "../progress/labels.js";
import type { LaneState, LoadBalancerSeries, Timeline } from "./timeline.js";

export const laneColours: Record<LaneState, string> = {
  "in-service": "#2e9e5b",
  detached: "#e0a526",
  deploying: "#3a6fd8",
  reattaching: "#8b5cf6",
  failed: "#d64545",
  skipped: "#b4b4b4",
};

const laneLabels: Record<LaneState, string> = {
  "in-service": "in service",
  detached: "detached (draining)",
  deploying: "deploying",
  reattaching: "reattaching",
  failed: "deployment failed",
  skipped: "skipped",
};

const WIDTH = 1100;
const LABEL = 250;
const RIGHT = 110;
const ROW = 30;
const CHART = 120;

function seconds(msValue: number): string {
  const s = msValue / 1000;
  return s >= 100 ? `${Math.round(s)} s` : `${s.toFixed(s >= 10 ? 1 : 2)} s`;
}

/** Round tick spacing for a span: about eight ticks. */
function tickStep(spanMs: number): number {
  const raw = spanMs / 8;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
}

function axis(t: Timeline, x: (at: number) => number, y: number, height: number, origin: number): string {
  const step = tickStep(t.end - t.start);
  const ticks: string[] = [];
  for (let at = Math.ceil((t.start - origin) / step) * step; origin + at <= t.end; at += step) {
    const px = x(origin + at).toFixed(1);
    ticks.push(`<line x1="${px}" x2="${px}" y1="${y}" y2="${y + height}" class="grid"/><text x="${px}" y="${y - 6}" text-anchor="middle" class="tick">${e(seconds(at))}</text>`);
  }
  return ticks.join("");
}

function lbChart(lb: LoadBalancerSeries, t: Timeline, x: (at: number) => number, top: number): string {
  const height = CHART - 40;
  const maxY = Math.max(1, lb.max);
  const y = (count: number) => top + 20 + height - (count / maxY) * height;
  const path: string[] = [];
  lb.points.forEach((p, i) => {
    const px = x(p.at).toFixed(1);
    path.push(i === 0 ? `M${px},${y(p.inService).toFixed(1)}` : `H${px}V${y(p.inService).toFixed(1)}`);
  });
  if (lb.points.length > 0) path.push(`H${x(t.end).toFixed(1)}`);
  const zeroY = y(0).toFixed(1);
  const ok = lb.zeroAt.length === 0 && lb.points.length > 0;
  const verdict = lb.points.length === 0 ? "no events recorded" : ok ? `never zero (min ${lb.min})` : `reached zero ${lb.zeroAt.length} time(s)`;
  const yTicks = [...new Set([0, maxY])].map((c) => `<text x="${LABEL - 8}" y="${(y(c) + 4).toFixed(1)}" text-anchor="end" class="tick">${c}</text>`).join("");
  const steps = lb.points
    .map((p) => `<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.inService).toFixed(1)}" r="2.5" class="step"><title>${e(`${p.inService} in service after ${p.cause}`)}</title></circle>`)
    .join("");
  const zeros = lb.zeroAt.map((at) => `<circle cx="${x(at).toFixed(1)}" cy="${zeroY}" r="6" class="zero"><title>nothing in service</title></circle>`).join("");
  return `<g class="lb" data-lb="${e(lb.name)}" data-min-in-service="${lb.min}" data-zero-count="${lb.zeroAt.length}">
<text x="8" y="${top + 14}" class="lb-name">${e(lb.name)}</text>
<text x="8" y="${top + 32}" class="${ok ? "ok" : "bad"} verdict">${e(verdict)}</text>
<text x="8" y="${top + 48}" class="tick">in service</text>${yTicks}
<rect x="${LABEL}" y="${(Number(zeroY) - 1).toFixed(1)}" width="${WIDTH - RIGHT - LABEL}" height="2.5" class="never-zero"><title>zero in service: a rollout must never reach this line</title></rect>
<text x="${WIDTH - RIGHT + 6}" y="${(Number(zeroY) + 4).toFixed(1)}" class="never-zero-label">never zero</text>
<path d="${path.join("")}" class="count"/>${steps}${zeros}
</g>`;
}

/** The rollout as one SVG: a lane per instance, then the in-service count per load balancer. */
export function renderTimelineSvg(t: Timeline, origin = t.start): string {
  const top = 46;
  const lanesHeight = t.lanes.length * ROW;
  const chartsTop = top + lanesHeight + 30;
  const height = chartsTop + t.loadBalancers.length * CHART + 10;
  const span = Math.max(1, t.end - t.start);
  const x = (at: number) => LABEL + ((at - t.start) / span) * (WIDTH - LABEL - RIGHT);
  const lanes = t.lanes
    .map((lane, i) => {
      const y = top + i * ROW;
      const rects = lane.segments
        .map((s) => {
          const w = Math.max(1, x(s.to) - x(s.from));
          const tip = `${lane.hostname}: ${laneLabels[s.state]} from ${seconds(s.from - origin)} to ${seconds(s.to - origin)}`;
          return `<rect x="${x(s.from).toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${laneColours[s.state]}" data-state="${s.state}"><title>${e(tip)}</title></rect>`;
        })
        .join("");
      const kept = lane.keptIn.length > 0 ? `, kept in ${lane.keptIn.map((k) => loadBalancerLabel(k.loadBalancer)).join(", ")}` : "";
      const where = lane.detachFrom.length > 0 ? `leaves ${lane.detachFrom.join(", ")}${kept}` : lane.phase === "skipped" ? (lane.note ?? "skipped") : `in place${kept}`;
      const detail = `batch ${lane.batch || "-"} · ${where}`;
      const shown = detail.length > 44 ? `${detail.slice(0, 43)}…` : detail;
      return `<g class="lane" data-lane="${e(lane.hostname)}" data-phase="${e(lane.phase)}"><text x="8" y="${y + ROW / 2 + 1}" class="host">${e(lane.hostname)}</text><text x="8" y="${y + ROW / 2 + 12}" class="tick"><title>${e(detail)}</title>${e(shown)}</text>${rects}</g>`;
    })
    .join("\n");
  const charts = t.loadBalancers.map((lb, i) => lbChart(lb, t, x, chartsTop + i * CHART)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${e(`Rollout timeline of ${t.executionId}`)}">
<style>
.timeline text{font:12px system-ui,sans-serif;fill:#222}.timeline .tick{font-size:10px;fill:#666}.timeline .host{font-weight:600}
.timeline .grid{stroke:#e4e4e4}.timeline .lb-name{font-weight:600}.timeline .ok{fill:#1d7a43}.timeline .bad{fill:#c62828;font-weight:700}
.timeline .count{fill:none;stroke:#1f4e9c;stroke-width:2}.timeline .step{fill:#1f4e9c}.timeline .zero{fill:#c62828}
.timeline .never-zero{fill:url(#never-zero-dash)}.timeline .never-zero-label{fill:#c62828;font-size:11px}
</style>
<defs><pattern id="never-zero-dash" width="10" height="3" patternUnits="userSpaceOnUse"><rect width="6" height="3" fill="#c62828"/></pattern></defs>
<text x="8" y="16" class="tick">seconds since the rollout began</text>
${axis(t, x, top - 8, lanesHeight + 8 + t.loadBalancers.length * CHART + 30, origin)}
${lanes}
${charts}
</svg>`;
}

function legend(): string {
  return (Object.keys(laneColours) as LaneState[])
    .map((s) => `<span class="key"><span class="swatch" style="background:${laneColours[s]}"></span>${e(laneLabels[s])}</span>`)
    .join(" ");
}

/** Heading, legend and notes around the SVG: shared by the report file and the status page. */
export function renderTimelineSection(t: Timeline): string {
  const name = t.executionId.split(":").pop() ?? t.executionId;
  const source =
    t.source === "journal"
      ? "Drawn from the deploy journal alone (a deployed stage): the in-service count per load balancer needs the local simulator's event log and is not shown."
      : "Lanes from the deploy journal; in-service counts from the fleet simulator's event log (the count after every call).";
  const zero = t.loadBalancers.filter((lb) => lb.zeroAt.length > 0);
  const verdict =
    t.loadBalancers.length === 0
      ? ""
      : zero.length === 0
        ? `<p class="verdict ok">Every load balancer kept at least one instance in service.</p>`
        : `<p class="verdict bad">Downtime: ${e(zero.map((lb) => lb.name).join(", "))} reached zero in service.</p>`;
  return `<section class="rollout" data-execution="${e(t.executionId)}" data-status="${e(t.status)}">
<h2>Rollout ${e(name)} <span class="status status-${e(t.status)}">${e(t.status)}</span></h2>
<p class="meta">stack ${e(t.stackId)} · layer ${e(t.layerId)} · app ${e(t.appId)} · ${t.lanes.length} instance(s) · ${e(seconds(t.end - t.start))}</p>
${t.error ? `<p class="verdict bad">${e(t.error.name)}: ${e(t.error.message)}</p>` : ""}${verdict}
<p class="legend">${legend()}</p>
${renderTimelineSvg(t)}
<p class="source">${e(source)}</p>
</section>`;
}

export const timelineCss = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:16px 0 4px}.meta,.source{color:#555;font-size:12px}
.status{font-size:12px;padding:1px 6px;border-radius:8px;background:#eee}.status-succeeded{background:#d8f1e1}.status-failed,.status-aborted,.status-timed_out{background:#f8d7d7}.status-running{background:#dde7fb}
.verdict.ok{color:#1d7a43}.verdict.bad{color:#c62828;font-weight:700}.legend{font-size:12px}.key{margin-right:12px;white-space:nowrap}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-2px}`;

/** A self-contained page: no scripts, no external resources; open it from disk. */
export function renderTimelinePage(t: Timeline): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(`Scythe rollout ${t.executionId.split(":").pop() ?? ""}`)}</title>
<style>${timelineCss}</style></head>
<body><h1>Scythe rolling deploy</h1>
${renderTimelineSection(t)}
</body></html>
`;
}
