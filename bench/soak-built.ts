import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchEmbargoEnvironment } from "./embargo-server.js";
import { soakSettings } from "./soak-server.js";
import { BenchError, type HostedServer } from "./support.js";

/**
 * `soak --built`: the built `embargo serve` (dist/cli/main.js, `npm run build`), started as an
 * operator starts it, with its configuration in the environment. Without the TypeScript loader
 * the other benchmarks' children run under (tsx keeps every module's transformed source and has
 * a loader thread of its own), its RSS is the one a deployment has; but it is the code of the last
 * build, not of the working tree.
 */
const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const START_MS = 60_000;
const STOP_MS = 15_000;

export async function startBuiltEmbargo(spec: {
  databaseUrl: string;
  dataDir: string;
  smtpPort: number;
  relayUrl: string;
}): Promise<HostedServer> {
  if (!existsSync(MAIN)) throw new BenchError(`${MAIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [MAIN, "serve"], {
    env: {
      ...process.env,
      // As embargo-server.ts configures the other benchmarks' Embargo.
      ...benchEmbargoEnvironment(spec, soakSettings(spec)),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new BenchError("the built embargo serve did not start")), START_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      // Its stdout (a first-administrator link among it) goes to stderr, with the progress.
      process.stderr.write(chunk);
      seen += chunk.toString("utf8");
      const match = /Embargo is serving (http:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new BenchError(`the built embargo serve exited with ${code} before it started`));
    });
  });
  return {
    url,
    where: `child process ${child.pid}`,
    pid: child.pid ?? 0,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, STOP_MS, "timeout").unref());
      if ((await Promise.race([exited, timeout])) !== "timeout") return;
      child.kill("SIGKILL");
      await exited;
      throw new BenchError(`the built embargo serve (pid ${child.pid}) did not stop; killed it`);
    },
  };
}
