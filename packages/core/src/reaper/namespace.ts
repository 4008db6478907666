import { parseRegExpLiteral, type AST } from "@eslint-community/regexpp";
import { ValidationError } from "../errors.js";
import { productionNames } from "./productionNames.js";

/** The prefix Hatchet gives its apps; Scythe's default namespace is this prefix followed by hex. */
export const defaultAppPrefix = "hatchet-t-";

/** Shortest literal prefix a namespace may start with. */
export const minPrefixLength = 4;

const maxPatternLength = 200;

/** The rule every namespace (CLI, Lambda payload, stage configuration) is held to, in one sentence. */
export const namespaceRule =
  `a namespace is a regular expression that starts with ^ and a literal prefix of at least ${minPrefixLength} characters, ` +
  `has no | outside a group, and matches none of Scythe's list of typical production app names`;

/** The set of app names that are Scythe's to delete. Nothing outside it is ever touched. */
export class Namespace {
  private constructor(
    readonly pattern: string,
    /** Every name in the namespace starts with this; names without it are never matched. */
    readonly prefix: string,
    private readonly regex: RegExp,
  ) {}

  /** `^<prefix>[a-f0-9]+$`, Hatchet's rule (anchored at the end too, so `<prefix>abc-prod` is not taken). */
  static fromPrefix(prefix: string = defaultAppPrefix, field = "namespace"): Namespace {
    if (prefix === "") throw new ValidationError(field, "the prefix must not be empty");
    return Namespace.fromPattern(`^${escapeRegExp(prefix)}[a-f0-9]+$`, field);
  }

  /**
   * A regular expression over the whole name, held to `namespaceRule`: anchored at the start
   * by a literal prefix, with no top-level alternative that could escape it, so it can only
   * match names that begin with that prefix; and matching no typical production name.
   */
  static fromPattern(pattern: string, field = "namespace"): Namespace {
    if (pattern.length === 0) throw new ValidationError(field, "must not be empty");
    if (pattern.length > maxPatternLength) throw new ValidationError(field, `must be at most ${maxPatternLength} characters`);
    let regex: RegExp;
    let ast: AST.RegExpLiteral;
    try {
      // No flags: no `g` state between calls, no `m` (so ^ is the start of the name), case-sensitive.
      regex = new RegExp(pattern);
      ast = parseRegExpLiteral(regex);
    } catch (error) {
      throw new ValidationError(field, `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
    const alternatives = ast.pattern.alternatives;
    if (alternatives.length !== 1) {
      throw new ValidationError(field, `/${pattern}/ has a | outside a group, so the prefix would not hold for every alternative (write ^prefix-(?:a|b) instead)`);
    }
    const prefix = literalPrefix(alternatives[0]?.elements ?? []);
    if (prefix === undefined) throw new ValidationError(field, `/${pattern}/ must start with ^ (the start of the name): ${namespaceRule}`);
    if (prefix.length < minPrefixLength) {
      throw new ValidationError(field, `/${pattern}/ starts with the literal prefix "${prefix}", shorter than ${minPrefixLength} characters: ${namespaceRule}`);
    }
    const production = productionNames.filter((name) => regex.test(name));
    if (production.length > 0) {
      throw new ValidationError(field, `/${pattern}/ matches ${production.map((n) => `"${n}"`).join(", ")}, the name of a typical production app: ${namespaceRule}`);
    }
    return new Namespace(pattern, prefix, regex);
  }

  static default(): Namespace {
    return Namespace.fromPrefix(defaultAppPrefix);
  }

  contains(name: string): boolean {
    // The prefix check is implied by the rule; it is repeated so no parser subtlety can widen the set.
    return name.startsWith(this.prefix) && this.regex.test(name);
  }

  toString(): string {
    return `/${this.pattern}/`;
  }
}

/**
 * The characters every match must begin with: after a leading `^`, the run of plain characters
 * that are not quantified (in `^abc?` the `c` is optional, so the prefix is "ab").
 * Undefined when the pattern does not start with `^`.
 */
function literalPrefix(elements: readonly AST.Element[]): string | undefined {
  const [first, ...rest] = elements;
  if (first?.type !== "Assertion" || first.kind !== "start") return undefined;
  let prefix = "";
  for (const element of rest) {
    if (element.type !== "Character") break;
    prefix += String.fromCodePoint(element.value);
  }
  return prefix;
}

function escapeRegExp(text: string): string {
  // Outside a character class `-` is literal already; escaping it only makes reports harder to read.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
