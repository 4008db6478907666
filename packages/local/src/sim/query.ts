/** AWS Query protocol request parameters (form-encoded, `Name.member.N` lists). */
import { AwsError } from "./errors.js";

export class QueryParams {
  constructor(private readonly params: Map<string, string>) {}

  static parse(body: string): QueryParams {
    const params = new Map<string, string>();
    for (const pair of body.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
      try {
        params.set(decodeURIComponent(rawKey.replace(/\+/g, " ")), decodeURIComponent(rawValue.replace(/\+/g, " ")));
      } catch {
        throw new AwsError("MalformedQueryString", `Invalid percent-encoding in parameter '${rawKey}'`);
      }
    }
    return new QueryParams(params);
  }

  get(key: string): string | undefined {
    return this.params.get(key);
  }

  /** A required scalar; the AWS validation error when absent. */
  required(key: string): string {
    const value = this.params.get(key);
    if (value === undefined || value === "") {
      const field = key.charAt(0).toLowerCase() + key.slice(1);
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  /** `Prefix.member.N[.Suffix]` values in index order; undefined when the list is absent. */
  list(prefix: string, suffix?: string): string[] | undefined {
    const pattern = new RegExp(`^${prefix}\\.member\\.(\\d+)${suffix === undefined ? "" : `\\.${suffix}`}$`);
    const found: [number, string][] = [];
    for (const [key, value] of this.params) {
      const m = pattern.exec(key);
      if (m?.[1] !== undefined) found.push([Number(m[1]), value]);
    }
    if (found.length === 0) return this.params.has(prefix) ? [] : undefined;
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** A required, non-empty list. */
  requiredList(prefix: string, suffix?: string): string[] {
    const values = this.list(prefix, suffix);
    if (values === undefined || values.length === 0) this.required(prefix);
    return values ?? [];
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.params);
  }
}
