import { Command } from "commander";
import { cvssCommand } from "./commands/cvss.js";
import { policyCommand } from "./commands/policy.js";

/**
 * The `embargo` command tree. Each sub-command lives in its own module under
 * `commands/` and exports a factory returning a commander `Command`.
 */
export function buildCli(): Command {
  const program = new Command("embargo")
    .description("Embargo: vulnerability disclosure and security incident response, driven by policy files")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(policyCommand());
  program.addCommand(cvssCommand());
  return program;
}
