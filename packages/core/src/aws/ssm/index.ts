export { Ec2SsmTarget, type Ec2DeploySpec } from "./Ec2SsmTarget.js";
export { SsmRunCommand, isTerminalStatus, type Invocation, type RunCommand, type SSMClient } from "./SsmRunCommand.js";
export { commentLimit, documentOf, runShellScript, ssmComment, ssmRequests, type CommandSpec } from "./requests.js";
