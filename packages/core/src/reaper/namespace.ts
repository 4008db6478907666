import { ValidationError } from "../errors.js";

/** The prefix Hatchet gives its apps; Scythe's default namespace is this prefix followed by hex. */
export const defaultAppPrefix = "hatchet-t-";

/**
 * Names that are not anyone's ephemeral apps. A namespace matching every one of them would
 * match every name, so it is refused along with one matching the empty string.
 */
const probeNames = ["a", "z", "0", "9", "-", "my-production-app", "api", "www", "billing-service", "zzzz-9999", "x1"];

const maxPatternLength = 200;

/** The set of app names that are Scythe's to delete. Nothing outside it is ever touched. */
export class Namespace {
  private constructor(
    readonly pattern: string,
    private readonly regex: RegExp,
  ) {}

  /** `^<prefix>[a-f0-9]+$`, Hatchet's rule (anchored at the end too, so `<prefix>abc-prod` is not taken). */
  static fromPrefix(prefix: string = defaultAppPrefix, field = "namespace"): Namespace {
    if (prefix === "") throw new ValidationError(field, "the prefix must not be empty");
    return Namespace.fromPattern(`^${escapeRegExp(prefix)}[a-f0-9]+$`, field);
  }

  /** A regular expression over the whole name; refused if it matches "" or every probe name. */
  static fromPattern(pattern: string, field = "namespace"): Namespace {
    if (pattern.length === 0) throw new ValidationError(field, "must not be empty");
    if (pattern.length > maxPatternLength) throw new ValidationError(field, `must be at most ${maxPatternLength} characters`);
    let regex: RegExp;
    try {
      // No flags: no `g` state between calls, and names are matched case-sensitively.
      regex = new RegExp(pattern);
    } catch (error) {
      throw new ValidationError(field, `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
    if (regex.test("")) throw new ValidationError(field, `/${pattern}/ matches the empty string, so it would match every name`);
    if (probeNames.every((name) => regex.test(name))) {
      throw new ValidationError(field, `/${pattern}/ matches every name (it matched ${probeNames.map((n) => `"${n}"`).join(", ")})`);
    }
    return new Namespace(pattern, regex);
  }

  static default(): Namespace {
    return Namespace.fromPrefix(defaultAppPrefix);
  }

  contains(name: string): boolean {
    return this.regex.test(name);
  }

  toString(): string {
    return `/${this.pattern}/`;
  }
}

function escapeRegExp(text: string): string {
  // Outside a character class `-` is literal already; escaping it only makes reports harder to read.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
