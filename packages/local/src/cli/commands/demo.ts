import { Command } from "commander";
import { action } from "../run.js";

export function demoCommand(): Command {
  return new Command("demo")
    .description("start a local world, seed a demo fleet, run every job once and print a report (what `npm start` runs)")
    .action(action(async () => (await import("../actions/demo.js")).demo));
}
