import ms from "ms";
import { ValidationError } from "@scythe/core";

/** Parses "500ms", "30s", "7m", "1h" (or a bare number of ms) for the option named `field`. */
export function parseDuration(field: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : ms(text as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(field, `"${text}" is not a duration (examples: 500ms, 30s, 7m, 1h)`);
  }
  return value;
}

/** Like parseDuration, for options where zero makes no sense (a lease, a TTL). */
export function parsePositiveDuration(field: string, text: string): number {
  const value = parseDuration(field, text);
  if (value === 0) throw new ValidationError(field, "must be longer than 0");
  return value;
}

export function parseCount(field: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new ValidationError(field, `"${text}" is not a whole number`);
  return Number(text);
}
