import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { HerokuPlatform, herokuApiUrl } from "@scythe/core/aws/heroku";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { OrphanSweep, sweepInventories } from "@scythe/core/orphans";
import { describeSweep } from "../../report/sweepReports.js";
import { localClientConfig } from "../../world/clients.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import { cliEnv } from "../context.js";
import { resolveTarget } from "../target.js";
import { countLine } from "../../progress/LiveStatus.js";
import type { Output } from "../output.js";


/** `scythe orphans` */
export async function orphans(output: Output, opts: { dryRun?: boolean }): Promise<ActionResult> {
  const target = await resolveTarget();
  const config = target.world ? localClientConfig(target.world.simulator) : {};
  // Apps are swept where a Heroku token is at hand: the simulator's locally, HEROKU_API_TOKEN on a stage.
  const token = target.world ? "sim-token" : cliEnv().HEROKU_API_TOKEN;
  const baseUrl = target.world ? target.world.heroku : (cliEnv().HEROKU_API_URL ?? herokuApiUrl);
  if (!token) output.progress("apps are not swept: set HEROKU_API_TOKEN to include them");
  const inventories = sweepInventories({
    opsworks: new OpsWorksClient(config),
    elb: new ElasticLoadBalancingClient(config),
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    apps: token ? new HerokuPlatform({ baseUrl, token }) : undefined,
  });
  const locks = new LockService({ store: new DynamoLockStore(target.doc, { tableName: target.tables.locks }) });
  // Under the same lock as the scheduled sweep: never two sweeps deleting at once.
  const sweep = new OrphanSweep({ records: new DynamoOwnerRecords(target.doc, target.tables.registry), inventories, lock: { locks, waitMs: 30_000 } });
  output.progress(`sweeping ${target.description}${opts.dryRun ? " (dry run)" : ""}`);
  const counts = countLine("orphan sweep: listing the cloud, then the registry, removing what no record owns", "in-scheme resources looked at");
  const line = output.live(counts.render);
  const report = await sweep.run({ dryRun: Boolean(opts.dryRun), onProgress: counts.update }).finally(() => line.stop());
  output.result(report, describeSweep(report));
  if (report.errors.length > 0) return exitCodes.failed;
}
