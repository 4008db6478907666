/** Heroku `Range` / `Next-Range` paging: `id ]last..; max=200, order=desc`. */
import { HerokuError } from "./errors.js";

export const RANGE_FIELDS = ["id", "name", "created_at", "updated_at"] as const;
export type RangeField = (typeof RANGE_FIELDS)[number];

export interface RangeSpec {
  field: RangeField;
  start?: string;
  startExclusive: boolean;
  end?: string;
  max: number;
  order: "asc" | "desc";
}

const DEFAULT_MAX = 200;
const LIMIT_MAX = 1000;

function isField(value: string): value is RangeField {
  return (RANGE_FIELDS as readonly string[]).includes(value);
}

function invalid(value: string): HerokuError {
  return new HerokuError(400, "bad_request", `Invalid Range header: ${value}`);
}

export function parseRange(value: string | undefined): RangeSpec {
  if (value === undefined || value.trim() === "") return { field: "id", startExclusive: false, max: DEFAULT_MAX, order: "asc" };
  const m = /^\s*([a-z_]+)\s*(\]?)([^;]*?)\.\.([^;]*?)\s*(?:;\s*(.*))?$/.exec(value);
  const field = m?.[1];
  if (m === null || field === undefined || !isField(field)) throw invalid(value);
  const spec: RangeSpec = { field, startExclusive: m[2] === "]", max: DEFAULT_MAX, order: "asc" };
  const start = (m[3] ?? "").trim();
  const end = (m[4] ?? "").trim();
  if (start !== "") spec.start = start;
  if (end !== "") spec.end = end;
  for (const option of (m[5] ?? "").split(/[;,]/)) {
    const [key, raw] = option.split("=").map((s) => s.trim());
    if (key === undefined || key === "") continue;
    if (key === "max" && raw !== undefined && /^\d+$/.test(raw) && Number(raw) > 0) spec.max = Math.min(Number(raw), LIMIT_MAX);
    else if (key === "order" && (raw === "asc" || raw === "desc")) spec.order = raw;
    else throw invalid(value);
  }
  return spec;
}

export interface Page<T> {
  items: T[];
  nextRange?: string;
}

export function paginate<T extends Record<RangeField, string>>(all: readonly T[], spec: RangeSpec): Page<T> {
  const dir = spec.order === "asc" ? 1 : -1;
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...all].sort((a, b) => dir * (cmp(a[spec.field], b[spec.field]) || cmp(a.id, b.id)));
  const { start, end } = spec;
  const inRange = sorted.filter((item) => {
    const v = item[spec.field];
    if (start !== undefined) {
      const c = dir * cmp(v, start);
      if (c < 0 || (c === 0 && spec.startExclusive)) return false;
    }
    return end === undefined || dir * cmp(v, end) <= 0;
  });
  const items = inRange.slice(0, spec.max);
  const last = items[items.length - 1];
  if (inRange.length <= spec.max || last === undefined) return { items };
  const order = spec.order === "desc" ? ", order=desc" : "";
  return { items, nextRange: `${spec.field} ]${last[spec.field]}..${end ?? ""}; max=${spec.max}${order}` };
}
