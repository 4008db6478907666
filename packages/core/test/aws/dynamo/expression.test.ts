import { describe, expect, it } from "vitest";
import { Update, absent, and, attr, conditionOnly, cond, oneOf, or } from "../../../src/aws/dynamo/expression.js";

describe("Class: Update", () => {
  describe("Method: build", () => {
    it("groups changes by clause, each attribute and value behind a generated placeholder", () => {
      const built = new Update().set("status", "active").remove("expiresAt").addToSet("leaseIds", "l-1").add("version", 1).deleteFromSet("referencedBy", "r-1").build();
      expect(built).toEqual({
        UpdateExpression: "SET #status = :v0 REMOVE #expiresAt ADD #leaseIds :v1, #version :v2 DELETE #referencedBy :v3",
        ExpressionAttributeNames: { "#status": "status", "#expiresAt": "expiresAt", "#leaseIds": "leaseIds", "#version": "version", "#referencedBy": "referencedBy" },
        ExpressionAttributeValues: { ":v0": "active", ":v1": new Set(["l-1"]), ":v2": 1, ":v3": new Set(["r-1"]) },
      });
    });

    it("leaves a lone condition bare and wraps joined ones (DynamoDB refuses redundant parentheses)", () => {
      expect(new Update().set("a", 1).when(absent).build().ConditionExpression).toBe("attribute_not_exists(#pk)");
      expect(new Update().set("a", 1).when(absent).when(cond`${attr("b")} < ${2}`).build().ConditionExpression).toBe("(attribute_not_exists(#pk)) AND (#b < :v1)");
    });

    it("gives one attribute one name placeholder wherever it appears, and a value placeholder per value", () => {
      const built = new Update().set("version", 4).when(cond`${attr("version")} = ${3}`).build();
      expect(built.UpdateExpression).toBe("SET #version = :v0");
      expect(built.ConditionExpression).toBe("#version = :v1");
      expect(built.ExpressionAttributeNames).toEqual({ "#version": "version" });
      expect(built.ExpressionAttributeValues).toEqual({ ":v0": 4, ":v1": 3 });
    });

    it("numbers the placeholder of a name that is not a plain word, and of map keys in a path", () => {
      const built = new Update().set(attr("times", "deployed-at"), "t").remove(attr("out", "i-0abc")).build();
      expect(built.UpdateExpression).toBe("SET #times.#_1 = :v0 REMOVE #out.#_3");
      expect(built.ExpressionAttributeNames).toEqual({ "#times": "times", "#_1": "deployed-at", "#out": "out", "#_3": "i-0abc" });
    });

    it("renders if_not_exists and increments", () => {
      const built = new Update().setIfAbsent("since", 5).increment("token", 1, 0).increment("version", 1).build();
      expect(built.UpdateExpression).toBe("SET #since = if_not_exists(#since, :v0), #token = if_not_exists(#token, :v1) + :v2, #version = #version + :v3");
    });

    it("refuses an update that changes nothing", () => {
      expect(() => new Update().when(absent).build()).toThrow(RangeError);
    });

    it("copies without sharing: adding to the copy leaves the original as it was", () => {
      const original = new Update().set("a", 1);
      const copy = original.copy().set("b", 2).when(absent);
      expect(original.build()).toEqual({ UpdateExpression: "SET #a = :v0", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":v0": 1 } });
      expect(copy.build().UpdateExpression).toBe("SET #a = :v0, #b = :v1");
    });
  });
});

describe("Function: conditionOnly", () => {
  it("builds IN lists and OR groups", () => {
    expect(conditionOnly(or(absent, and(oneOf(attr("status"), ["running", "stopping"]), cond`${attr("token")} <= ${3}`)))).toEqual({
      ConditionExpression: "(attribute_not_exists(#pk)) OR ((#status IN (:v0, :v1)) AND (#token <= :v2))",
      ExpressionAttributeNames: { "#pk": "pk", "#status": "status", "#token": "token" },
      ExpressionAttributeValues: { ":v0": "running", ":v1": "stopping", ":v2": 3 },
    });
  });

  it("leaves out the value map when no value is bound (DynamoDB refuses an empty one)", () => {
    expect(conditionOnly(absent)).toEqual({ ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } });
  });
});
