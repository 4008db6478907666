import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { Namespace, productionNames } from "../../src/reaper/index.js";

/** Heroku's rule for app names: 3 to 30 lowercase letters, digits and dashes, starting with a letter. */
const herokuName = /^[a-z][a-z0-9-]{2,29}$/;

const refused = (pattern: string) => {
  try {
    Namespace.fromPattern(pattern);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("Class: Namespace", () => {
  describe("Method: default", () => {
    it("is Hatchet's prefix followed by hex, and only that", () => {
      const namespace = Namespace.default();
      expect(namespace.contains("hatchet-t-0a1b2c")).toBe(true);
      expect(namespace.contains("hatchet-t-")).toBe(false);
      expect(namespace.contains("hatchet-t-xyz")).toBe(false);
      expect(namespace.contains("hatchet-t-abc-prod")).toBe(false);
      expect(namespace.contains("prod-hatchet-t-abc")).toBe(false);
      expect(namespace.contains("my-production-app")).toBe(false);
    });

    it("matches no name that is not the prefix plus hex (property)", () => {
      const namespace = Namespace.default();
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), maxLength: 30 }), (name) => {
          expect(namespace.contains(name)).toBe(/^hatchet-t-[a-f0-9]+$/.test(name));
        }),
        { numRuns: 500 },
      );
      fc.assert(
        fc.property(fc.stringMatching(/^hatchet-t-[a-f0-9]{1,20}$/), (name) => {
          expect(namespace.contains(name)).toBe(true);
        }),
      );
    });
  });

  describe("Method: fromPrefix", () => {
    it("escapes the prefix, so its dots and dashes are literal", () => {
      const namespace = Namespace.fromPrefix("ci.pr-");
      expect(namespace.contains("ci.pr-beef")).toBe(true);
      expect(namespace.contains("cixpr-beef")).toBe(false);
      expect(() => Namespace.fromPrefix("")).toThrow(ValidationError);
    });
  });

  describe("Method: fromPattern", () => {
    it.each(["", ".*", "^", "a*", "(?:)", "x?", "^.*$", ".+", "[\\s\\S]", "^.", "[a-z0-9-]"])(
      "refuses /%s/ (empty, or matching every probe name) with an error naming the field",
      (pattern) => {
        const error = refused(pattern);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("namespace");
      },
    );

    // Issue 10 item 3: each of these was accepted and would have matched "my-production-app".
    it.each(["..", "[a-z]", "^[a-z][a-z0-9-]*$", "^.{3,}", "app|^hatchet-t-[a-f0-9]+$", "^hatchet-t-[a-f0-9]+$|.", "^hat", "^(?:hatchet-t-)[0-9]+$", "^hatchet-t-", "^review-.*", "hatchet-t-[a-f0-9]+$"])(
      "refuses /%s/: not ^ plus a literal prefix of 4+ characters, a top-level |, or it matches a production name",
      (pattern) => {
        const error = refused(pattern);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("namespace");
      },
    );

    it("says which production name a refused pattern matched", () => {
      const error = refused("^acme-[a-z]+$");
      expect((error as ValidationError).message).toContain('"acme-prod"');
    });

    it("matches no typical production name with the default namespace or any accepted one", () => {
      for (const pattern of ["^hatchet-t-[a-f0-9]+$", "^review-[0-9]+$", "^ci-pr-[0-9]+-[a-f0-9]{6}$"]) {
        const namespace = Namespace.fromPattern(pattern);
        expect(productionNames.filter((n) => namespace.contains(n))).toEqual([]);
      }
      for (const name of productionNames) expect(name).toMatch(herokuName);
    });

    it("an accepted namespace matches no valid Heroku name without its prefix (property, thousands of names)", () => {
      // Patterns built from pieces that include every way found so far to widen a namespace.
      const piece = fc.constantFrom(
        "^", "$", ".", ".*", ".+", "[a-z]", "[a-z0-9-]*", "[a-f0-9]+", "\\d+", "-", "|", "(?:", ")", "?", "*", "(?:a|.*)", "(?=.)", "x",
        "hatchet-t-", "review-", "pr-", "ci-", "app", "prod",
      );
      const start = fc.constantFrom("^", "^", "");
      const prefix = fc.constantFrom("hatchet-t-", "review-", "ci-pr-", "acme-", "pr-", "");
      const pattern = fc.tuple(start, prefix, fc.array(piece, { maxLength: 6 })).map(([a, b, parts]) => a + b + parts.join(""));
      let accepted = 0;
      let names = 0;
      fc.assert(
        fc.property(pattern, fc.array(fc.stringMatching(herokuName), { minLength: 50, maxLength: 50 }), (source, candidates) => {
          let namespace: Namespace;
          try {
            namespace = Namespace.fromPattern(source);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            return;
          }
          accepted++;
          // The raw expression, not contains(): the rule alone must keep names without the prefix out.
          const regex = new RegExp(source);
          for (const name of candidates) {
            if (name.startsWith(namespace.prefix)) continue;
            names++;
            expect(regex.test(name), `/${source}/ matched ${name}`).toBe(false);
          }
        }),
        { numRuns: 3000, examples: [["^review-[0-9]+$", []], ["^hatchet-t-[a-f0-9]+$", []]] },
      );
      expect(accepted).toBeGreaterThan(20);
      expect(names).toBeGreaterThan(1000);
    });

    it("refuses an invalid expression naming the field", () => {
      const error = refused("review-(");
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/namespace: is not a valid regular expression/);
    });

    it("accepts a real namespace and matches with it alone", () => {
      const namespace = Namespace.fromPattern("^review-[0-9]+$");
      expect(namespace.contains("review-42")).toBe(true);
      expect(namespace.contains("review-42-db")).toBe(false);
      expect(namespace.toString()).toBe("/^review-[0-9]+$/");
    });

    it("refuses every pattern that matches the empty string (property)", () => {
      const pieces = fc.constantFrom("a*", "(b)?", "[0-9]*", "(?:x|)", "\\d{0,3}", "-?");
      fc.assert(
        fc.property(fc.array(pieces, { minLength: 1, maxLength: 4 }), (parts) => {
          const error = refused(parts.join(""));
          expect(error).toBeInstanceOf(ValidationError);
        }),
      );
    });
  });
});
