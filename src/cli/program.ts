import { Command } from "commander";
import { auditCommand } from "./commands/audit.js";
import { cvssCommand } from "./commands/cvss.js";
import { keysCommand } from "./commands/keys.js";
import { migrateCommand } from "./commands/migrate.js";
import { policyCommand } from "./commands/policy.js";
import { serveCommand } from "./commands/serve.js";
import { userCommand } from "./commands/user.js";

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
  program.addCommand(serveCommand());
  program.addCommand(migrateCommand());
  program.addCommand(auditCommand());
  program.addCommand(keysCommand());
  program.addCommand(policyCommand());
  program.addCommand(cvssCommand());
  program.addCommand(userCommand());
  return program;
}
