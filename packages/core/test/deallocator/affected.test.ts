import { describe, expect, it } from "vitest";
import { affectedResources } from "../../src/deallocator/affected.js";

const lease = (status: string) => ({ pk: "lease#l1", sk: "record", resourceId: "svc", status });
const resource = (extra: object) => ({ pk: "resource#net", sk: "record", status: "active", references: ["a", "b"], ...extra });

describe("Function: affectedResources", () => {
  it.each([
    ["a lease that ended names its resource", [{ oldImage: lease("active"), newImage: lease("released") }], ["svc"]],
    ["a lease that is still live names nothing", [{ oldImage: lease("acquired"), newImage: lease("active") }], []],
    ["a lease that was already over names nothing again", [{ oldImage: lease("released"), newImage: lease("destroyed") }], []],
    ["a resource newly marked names itself", [{ oldImage: resource({}), newImage: resource({ deleteRequested: true }) }], ["net"]],
    ["a marked resource updated again names nothing", [{ oldImage: resource({ deleteRequested: true }), newImage: resource({ deleteRequested: true, version: 3 }) }], []],
    ["an unmarked resource updated names nothing", [{ oldImage: resource({ version: 1 }), newImage: resource({ version: 2 }) }], []],
    ["a resource destroyed names what it referenced", [{ oldImage: resource({ status: "released" }), newImage: resource({ status: "destroyed" }) }], ["a", "b"]],
    ["a command names nothing", [{ newImage: { pk: "resource#net", sk: "cmd#000000000001", command: "deallocate" } }], []],
  ])("%s", (_what, changes, expected) => {
    expect(affectedResources(changes)).toEqual(expected);
  });
});
