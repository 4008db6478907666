export { ClassicElb } from "./ClassicElb.js";
export { ClassicElbInventory } from "./ClassicElbInventory.js";
export { elbRequests } from "./requests.js";
