export { OpsWorksStacks, type StackInstance } from "./OpsWorksStacks.js";
export { OpsWorksInstanceInventory } from "./OpsWorksInstanceInventory.js";
export { opsworksRequests } from "./requests.js";
