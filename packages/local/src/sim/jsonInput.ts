/** Typed reads of an AWS JSON 1.1 request body, with the errors a real service sends. */
import { AwsError, missingMember } from "./errors.js";
import { isRecord } from "./http.js";

export type JsonInput = Record<string, unknown>;

function typeError(key: string, expected: string): AwsError {
  return new AwsError("SerializationException", `Unexpected value for member '${key}': expected ${expected}`);
}

export function optString(input: JsonInput, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw typeError(key, "a string");
  return value;
}

export function reqString(input: JsonInput, key: string): string {
  const value = optString(input, key);
  if (value === undefined) throw missingMember(key);
  return value;
}

export function optStringList(input: JsonInput, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) throw typeError(key, "a list of strings");
  return value;
}

export function optObject(input: JsonInput, key: string): JsonInput | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw typeError(key, "a structure");
  return value;
}

/** Exactly one of the given selectors must be present; returns which one. */
export function oneOf(input: JsonInput, keys: readonly string[], what: string): string {
  const present = keys.filter((k) => input[k] !== undefined && input[k] !== null);
  if (present.length === 0) throw new AwsError("ValidationException", `Please provide ${what}`);
  if (present.length > 1) throw new AwsError("ValidationException", `Please provide no more than one of ${keys.join(", ")}`);
  return present[0] ?? "";
}
