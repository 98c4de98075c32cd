import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { runCommandLine } from "../../src/cli/program.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliInput {
  /** Standard input, whole. */
  stdin?: string;
  /** The settings (EMBARGO_*) and any variable a command is told to read. */
  env?: NodeJS.ProcessEnv;
  /** What stderr is: a terminal (true) or a pipe (false); left out, long commands show no progress. */
  stderrIsTTY?: boolean;
  /** The clock of the progress reports (milliseconds). */
  clock?: () => number;
}

/**
 * Runs `embargo <args>` in this process, through the entry point's own code (runCommandLine):
 * commander's exits become the exit code, other errors `embargo: …` on stderr and code 1. Settings
 * come from `env` alone, not from this process's environment or an embargo.yaml, and nothing of
 * this process changes (exit code, environment), so runs may overlap. Spawning Node with tsx
 * costs seconds a command on this machine: spawnEmbargo is kept for the entry point's smoke test.
 */
export async function runEmbargo(args: string[], input: CliInput = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCommandLine(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: Readable.from(input.stdin === undefined ? [] : [input.stdin]),
    env: { ...input.env },
    configFile: "/nonexistent/embargo.yaml",
    // What a spawned process writing to a pipe gets.
    terminal: { columns: 80, colors: false },
    stderrIsTTY: input.stderrIsTTY,
    clock: input.clock,
  });
  return { code, stdout, stderr };
}

/** Runs the real `embargo` command (from source, through tsx) as a separate process. */
export function spawnEmbargo(args: string[], input: CliInput = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: { ...process.env, ...input.env },
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
    child.stdin.end(input.stdin ?? "");
  });
}
