import { spawn } from "node:child_process";
import { type Command, CommanderError } from "commander";
import { userCommand } from "../../src/cli/commands/user.js";
import { loadConfig } from "../../src/config.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `embargo` command (from source, through tsx) as a separate process. */
export function runCli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * Runs `embargo user …` in this process, as the entry point would (src/cli/main.ts): commander's
 * output and exits are caught, errors become `embargo: …` on stderr and exit code 1. Settings come
 * from `env` alone (not this process's environment). Spawning Node with tsx costs seconds a
 * command on this machine; the spawned binary keeps its own smoke tests (test/cli).
 */
export async function runUserCommand(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = (text: string) => {
    stdout += text;
  };
  const err = (text: string) => {
    stderr += text;
  };
  const command = userCommand({
    stdout: out,
    stderr: err,
    config: () => loadConfig(env, "/nonexistent/embargo.yaml"),
  });
  const quiet = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: out, writeErr: err });
    for (const sub of cmd.commands) quiet(sub);
  };
  quiet(command);
  try {
    await command.parseAsync(args, { from: "user" });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode, stdout, stderr };
    return {
      code: 1,
      stdout,
      stderr: `${stderr}embargo: ${error instanceof Error ? error.message : String(error)}\n`,
    };
  }
}
