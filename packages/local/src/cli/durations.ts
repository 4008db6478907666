import ms from "ms";
import { ValidationError } from "@scythe/core/errors";

const example = "write 7m, 30s or 1h";
const maxMs = 365 * 24 * 60 * 60 * 1000;

/**
 * Parses "500ms", "30s", "7m", "1h", "2d" for the option named `field`. A number without a
 * unit is refused: `ms` would read "7" as 7 milliseconds where a person meant 7 minutes.
 */
export function parseDuration(field: string, text: string): number {
  const trimmed = text.trim();
  if (trimmed === "") throw new ValidationError(field, `is empty: ${example}`);
  if (trimmed.startsWith("-")) throw new ValidationError(field, `"${text}" is negative: ${example}`);
  if (/^[\d.]+$/.test(trimmed)) throw new ValidationError(field, `"${text}" has no unit: ${example}`);
  const value = /^\d+(\.\d+)? *[a-z]+$/i.test(trimmed) ? ms(trimmed as ms.StringValue) : undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ValidationError(field, `"${text}" is not a duration: ${example}`);
  if (value > maxMs) throw new ValidationError(field, `"${text}" is longer than a year`);
  return Math.round(value);
}

/** Like parseDuration, for options where zero makes no sense (a lease, a TTL). */
export function parsePositiveDuration(field: string, text: string): number {
  const value = parseDuration(field, text);
  if (value === 0) throw new ValidationError(field, "must be longer than 0");
  return value;
}

export function parseCount(field: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new ValidationError(field, `"${text}" is not a whole number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new ValidationError(field, `"${text}" is too large`);
  return value;
}
