import { describe, expect, it } from "vitest";
import { FleetState } from "../../src/sim/state.js";

const instance = (id: string, ec2: string) => ({ InstanceId: id, Ec2InstanceId: ec2 }) as unknown as Parameters<FleetState["instances"]["set"]>[1];

describe("Simulator state: OpsWorks instances by EC2 id (indexed)", () => {
  it("follows every change to the instances: added, deleted, replaced, cleared", () => {
    const state = new FleetState();
    state.instances.set("o-1", instance("o-1", "i-1"));
    expect(state.opsInstanceByEc2Id("i-1")?.InstanceId).toBe("o-1");
    expect(state.opsInstanceByEc2Id("i-2")).toBeUndefined();
    // Same size after a delete and an add: the index must still see the new one.
    state.instances.delete("o-1");
    state.instances.set("o-2", instance("o-2", "i-2"));
    expect(state.opsInstanceByEc2Id("i-1")).toBeUndefined();
    expect(state.opsInstanceByEc2Id("i-2")?.InstanceId).toBe("o-2");
    state.instances.set("o-2", instance("o-2", "i-3"));
    expect(state.opsInstanceByEc2Id("i-2")).toBeUndefined();
    expect(state.opsInstanceByEc2Id("i-3")?.InstanceId).toBe("o-2");
    state.clear();
    expect(state.opsInstanceByEc2Id("i-3")).toBeUndefined();
  });
});
