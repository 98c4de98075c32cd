import { Command, CommanderError, type OutputConfiguration } from "commander";
import type { StoreOptions } from "../store/env.js";
import { advisoryCommand } from "./commands/advisory.js";
import { auditCommand } from "./commands/audit.js";
import { backupCommand, restoreCommand } from "./commands/backup.js";
import { creditsCommand } from "./commands/credits.js";
import { cvssCommand } from "./commands/cvss.js";
import { eraseCommand } from "./commands/erase.js";
import { guardCommand } from "./commands/guard.js";
import { keysCommand } from "./commands/keys.js";
import { migrateCommand } from "./commands/migrate.js";
import { policyCommand } from "./commands/policy.js";
import { serveCommand } from "./commands/serve.js";
import type { ConfigSource } from "./commands/settings.js";
import { storeCommand } from "./commands/store-copy.js";
import { userCommand } from "./commands/user.js";
import { type CliIo, processIo } from "./io.js";

/** What a sub-command's factory may take: the output, input and settings of this run. */
interface CommandContext {
  stdout: CliIo["stdout"];
  stderr: CliIo["stderr"];
  stdin: CliIo["stdin"];
  env: CliIo["env"];
  /** The settings (config.ts, with what `serve` saved), read when an action asks, not before. */
  config: ConfigSource;
  /** `serve`'s own: the environment and embargo.yaml, never what a previous start saved. */
  serverConfig: ConfigSource;
  /** The store's settings (those of `config`), read when an action asks. */
  options: () => Promise<StoreOptions>;
  /** For the long commands' progress on stderr (src/cli/progress.ts). */
  stderrIsTTY: CliIo["stderrIsTTY"];
  clock: CliIo["clock"];
}

/**
 * The sub-commands, in the order --help lists them. Every run imports all of these modules
 * (`embargo --help` too), so a command module imports at its top only commander, Node's
 * built-ins, types and small constant modules: its names, options and descriptions. What its
 * action needs (the store, Kysely, Fastify, openpgp, the policy loader, zod, the settings…) it
 * loads in the action with `await import()`. To add a command: write its factory that way and
 * add one line here.
 */
const COMMANDS: readonly ((context: CommandContext) => Command)[] = [
  ({ stdout, serverConfig }) => serveCommand({ stdout, config: serverConfig }),
  ({ stdout, stderr, options }) => migrateCommand({ stdout, stderr, options }),
  ({ stdout, stderr, options, stderrIsTTY, clock }) =>
    auditCommand({ stdout, stderr, options, stderrIsTTY, clock }),
  ({ stdout, stderr, options, stderrIsTTY, clock }) =>
    backupCommand({ stdout, stderr, options, stderrIsTTY, clock }),
  ({ stdout, stderr, options, stderrIsTTY, clock }) =>
    restoreCommand({ stdout, stderr, options, stderrIsTTY, clock }),
  ({ stdout, stderr, options }) => eraseCommand({ stdout, stderr, options }),
  ({ stdout, stderr, options, stderrIsTTY, clock }) =>
    storeCommand({ stdout, stderr, options, stderrIsTTY, clock }),
  ({ stdout, stderr, options, config, env, stderrIsTTY, clock }) =>
    keysCommand({ stdout, stderr, options, config, env, stderrIsTTY, clock }),
  ({ stdout, stderr, env }) => policyCommand({ stdout, stderr, env }),
  ({ stdout, stderr, stdin }) => cvssCommand({ stdout, stderr, stdin }),
  ({ stdout, stderr, config }) => userCommand({ stdout, stderr, config }),
  ({ stdout, stderr, stdin, config }) => guardCommand({ stdout, stderr, stdin, config }),
  ({ stdout, stderr, config }) => creditsCommand({ stdout, stderr, config }),
  ({ stdout, stderr, config }) => advisoryCommand({ stdout, stderr, config }),
];

/**
 * The `embargo` command tree. Each sub-command lives in its own module under
 * `commands/` and exports a factory returning a commander `Command`; all of them talk to `io`.
 */
export function buildCli(io: CliIo = processIo()): Command {
  const { stdout, stderr, stdin, env, configFile } = io;
  const config = async () =>
    (await import("../config.js")).loadConfig(env, configFile, { savedSettings: true });
  const context: CommandContext = {
    stdout,
    stderr,
    stdin,
    env,
    config,
    serverConfig: async () => (await import("../config.js")).loadConfig(env, configFile),
    // The store commands find the same database as the others (the data folder's saved settings too).
    options: async () => {
      const { databaseUrl, dataDir, secretKey } = await config();
      return { databaseUrl, dataDir, secretKey };
    },
    stderrIsTTY: io.stderrIsTTY,
    clock: io.clock,
  };
  const program = new Command("embargo")
    .description("Embargo: vulnerability disclosure and security incident response, driven by policy files")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) program.addCommand(command(context));
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
