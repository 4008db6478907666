import { runDemo } from "../../demo/runDemo.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import type { Output } from "../output.js";

/** `scythe demo`: a fresh local world, a demo fleet, every job once, and a report. */
export async function demo(output: Output): Promise<ActionResult> {
  const report = await runDemo(output);
  output.result(report, report.summary);
  if (!report.ok) return exitCodes.failed;
}
