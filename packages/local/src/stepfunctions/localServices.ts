import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { ClassicElb } from "@scythe/core/aws/elb";
import { OpsWorksStacks } from "@scythe/core/aws/opsworks";
import { LoadBalancerClaims } from "@scythe/core/aws/dynamo";
import { RoutedLoadBalancers, type DeployServices, type Ec2Target } from "@scythe/core/deploy";
import { TargetGroups } from "@scythe/core/aws/elbv2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DynamoLockStore, DynamoTaskWaits } from "@scythe/core/aws/dynamo";
import { localTaskCallbacks } from "./taskTokens.js";
import { type TableNames } from "@scythe/core/schema";
import { localCredentials, localRegion } from "../world/clients.js";
import { localEc2Deploy } from "../world/ec2Deploy.js";

/** The deploy services of the local world: the real SDK clients pointed at the fleet simulator. */
/** The simulator each set of local services drives: the runner reads its deployment events and its clock there. */
const simulatorOf = new WeakMap<DeployServices, string>();
export const simulatorEndpointOf = (services: DeployServices): string | undefined => simulatorOf.get(services);

export function localDeployServices(options: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  simulator: string;
  /** SDK attempts per ELB call (default 3, as deployed); 1 leaves every retry to the state machine. */
  maxAttempts?: number;
  /** An EC2 rollout's target: instances deployed to through SSM, behind ELBv2 target groups (default OpsWorks and classic ELB). */
  ec2?: Ec2Target;
}): DeployServices {
  const config = { endpoint: options.simulator, region: localRegion, credentials: localCredentials, maxAttempts: options.maxAttempts ?? 3 };
  const services: DeployServices = {
    // As deployed: no SDK-level retry for OpsWorks, whose CreateDeployment is not idempotent.
    target: new OpsWorksStacks(new OpsWorksClient({ ...config, maxAttempts: 1 })),
    // Classic load balancers by name, ELBv2 target groups by ARN (what a cleanup finds in a plan).
    loadBalancers: new RoutedLoadBalancers(new ClassicElb(new ElasticLoadBalancingClient(config)), new TargetGroups(new ElasticLoadBalancingV2Client(config))),
    journal: new DynamoDeployJournal(options.doc, { tableName: options.tables.registry }),
    lockStore: new DynamoLockStore(options.doc, { tableName: options.tables.locks }),
    claims: new LoadBalancerClaims(options.doc, { tableName: options.tables.locks }),
    waits: new DynamoTaskWaits(options.doc, { tableName: options.tables.registry }),
    callbacks: localTaskCallbacks(),
    ...(options.ec2 && localEc2Deploy(options.simulator, options.ec2, options.maxAttempts)),
    // Any execution with an { ec2 } input gets its EC2 target (the services are shared by every execution).
    ec2: (target) => localEc2Deploy(options.simulator, target, options.maxAttempts),
  };
  simulatorOf.set(services, options.simulator);
  return services;
}
