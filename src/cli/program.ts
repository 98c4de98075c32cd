import { Command, CommanderError, type OutputConfiguration } from "commander";
import { loadConfig } from "../config.js";
import { storeOptionsFromEnv } from "../store/env.js";
import { auditCommand } from "./commands/audit.js";
import { creditsCommand } from "./commands/credits.js";
import { cvssCommand } from "./commands/cvss.js";
import { guardCommand } from "./commands/guard.js";
import { keysCommand } from "./commands/keys.js";
import { migrateCommand } from "./commands/migrate.js";
import { policyCommand } from "./commands/policy.js";
import { serveCommand } from "./commands/serve.js";
import { userCommand } from "./commands/user.js";
import { type CliIo, processIo } from "./io.js";

/**
 * The `embargo` command tree. Each sub-command lives in its own module under
 * `commands/` and exports a factory returning a commander `Command`; all of them talk to `io`.
 */
export function buildCli(io: CliIo = processIo()): Command {
  const { stdout, stderr, env } = io;
  const config = () => loadConfig(env, io.configFile);
  const options = () => storeOptionsFromEnv(env, io.configFile);
  const program = new Command("embargo")
    .description("Embargo: vulnerability disclosure and security incident response, driven by policy files")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(serveCommand({ stdout, config }));
  program.addCommand(migrateCommand({ stdout, stderr, options }));
  program.addCommand(auditCommand({ stdout, stderr, options }));
  program.addCommand(keysCommand({ stdout, stderr, options, config, env }));
  program.addCommand(policyCommand({ stdout, stderr, env }));
  program.addCommand(cvssCommand({ stdout, stderr, stdin: io.stdin }));
  program.addCommand(userCommand({ stdout, stderr, config }));
  program.addCommand(guardCommand({ stdout, stderr, stdin: io.stdin, config }));
  program.addCommand(creditsCommand({ stdout, stderr, config }));
  // Every command of the tree, however its factory set it up: commander's own messages (help,
  // usage errors) go to `io`, and its exits become CommanderErrors instead of process.exit.
  routeOutput(program, {
    writeOut: stdout,
    writeErr: stderr,
    ...(io.terminal === undefined ? {} : terminalOutput(io.terminal)),
  });
  return program;
}

/**
 * Runs `embargo <args>` and returns its exit code, as the entry point does: commander's exits
 * give their code (its message is written already), any other error becomes `embargo: <message>`
 * on stderr and exit code 1, never a stack trace for user mistakes.
 */
export async function runCommandLine(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildCli(io).parseAsync([...args], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`embargo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function routeOutput(command: Command, output: OutputConfiguration): void {
  command.configureOutput(output).exitOverride();
  for (const sub of command.commands) routeOutput(sub, output);
}

function terminalOutput(terminal: NonNullable<CliIo["terminal"]>): OutputConfiguration {
  return {
    getOutHelpWidth: () => terminal.columns,
    getErrHelpWidth: () => terminal.columns,
    getOutHasColors: () => terminal.colors,
    getErrHasColors: () => terminal.colors,
  };
}
