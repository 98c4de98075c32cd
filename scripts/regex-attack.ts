import { spawnSync } from "node:child_process";

/**
 * Times one regex on one input in Node's own engine (V8), in a child process that is killed
 * at `limitMs`: an exponential pattern never finishes, and only a process can be stopped in the
 * middle of a match. Returns the milliseconds the match took, or null when it hit the limit.
 */
export function timeMatch(source: string, flags: string, input: string, limitMs: number): number | null {
  const program = `
    const { source, flags, input } = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const regex = new RegExp(source, flags);
    const start = performance.now();
    regex.exec(input);
    process.stdout.write(String(performance.now() - start));
  `;
  const child = spawnSync(process.execPath, ["-e", program], {
    input: JSON.stringify({ source, flags, input }),
    encoding: "utf8",
    timeout: limitMs + 1_000, // the child's own start-up is not the regex's time
    killSignal: "SIGKILL",
  });
  if (child.signal === "SIGKILL") return null;
  const elapsed = Number(child.stdout);
  if (child.status !== 0 || child.stdout === "" || !Number.isFinite(elapsed)) {
    throw new Error(`timing /${source}/${flags} failed: ${child.error?.message ?? child.stderr}`);
  }
  return elapsed < limitMs ? elapsed : null;
}
