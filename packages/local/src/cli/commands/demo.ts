import { Command } from "commander";
import { runDemo } from "../../demo/runDemo.js";
import { exitCodes } from "../exitCodes.js";
import { action } from "../run.js";

export function demoCommand(): Command {
  return new Command("demo")
    .description("start a local world, seed a demo fleet, run every job once and print a report (what `npm start` runs)")
    .action(
      action(async (output) => {
        const report = await runDemo(output);
        output.result(report, report.summary);
        if (!report.ok) return exitCodes.failed;
      }),
    );
}
