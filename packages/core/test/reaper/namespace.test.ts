import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Namespace, ValidationError } from "../../src/index.js";

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
