export { Ec2InstanceInventory, goneStates } from "./Ec2InstanceInventory.js";
export { Ec2Instances, type EC2Client, type Ec2Instance } from "./Ec2Instances.js";
export { asgTagKey, ec2Requests, selectionFilters, type InstanceSelection } from "./requests.js";
