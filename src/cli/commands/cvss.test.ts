import { Readable } from "node:stream";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { cvssCommand } from "./cvss.js";

const V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V31_TEMPORAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U";
const V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

const JSON_V31 = {
  vector: V31,
  version: "3.1",
  score: 9.8,
  severity: "Critical",
  baseScore: 9.8,
  temporalScore: null,
  environmentalScore: null,
};
const JSON_V40 = { vector: V40, version: "4.0", score: 9.3, severity: "Critical" };

/** Runs the command in-process with captured stdout/stderr; `error` is what parseAsync rejected with. */
async function run(args: string[], stdin?: Iterable<string | Uint8Array>) {
  let stdout = "";
  let stderr = "";
  const command = cvssCommand({
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: Readable.from(stdin ?? []),
  });
  let error: unknown;
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (caught) {
    error = caught;
  }
  const lines = stdout.split("\n").filter((line) => line !== "");
  return { stdout, stderr, error, json: lines.map((line) => JSON.parse(line) as unknown) };
}

describe("embargo cvss", () => {
  it("prints one JSON line per vector argument, with key order vector, version, score, severity, …", async () => {
    const { stdout, stderr, error, json } = await run([V31, V40]);
    expect(error).toBeUndefined();
    expect(stderr).toBe("");
    expect(json).toEqual([JSON_V31, JSON_V40]);
    expect(stdout.split("\n")[0]).toBe(
      `{"vector":"${V31}","version":"3.1","score":9.8,"severity":"Critical","baseScore":9.8,"temporalScore":null,"environmentalScore":null}`,
    );
    expect(stdout.endsWith("\n")).toBe(true);
  });

  it("reports temporal and environmental scores for 3.1", async () => {
    const { json } = await run([V31_TEMPORAL]);
    expect(json).toEqual([
      { ...JSON_V31, vector: V31_TEMPORAL, score: 7.8, severity: "High", temporalScore: 7.8 },
    ]);
  });

  it("reports invalid vectors on stderr, still prints the valid ones, and fails with exit code 1", async () => {
    const bad = "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const { stderr, error, json } = await run([V31, bad, V40, "CVSS:2.0/AV:N"]);
    expect(json).toEqual([JSON_V31, JSON_V40]);
    expect(stderr).toBe(
      "embargo cvss: CVSS:3.1 vector: unknown value 'Q' for metric AV (expected N, A, L, P)\n" +
        "embargo cvss: CVSS vector: unsupported prefix 'CVSS:2.0' (expected CVSS:3.1/ or CVSS:4.0/)\n",
    );
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(1);
  });

  it("--stdin reads one vector per line, skipping blank lines, across chunk boundaries and CRLF", async () => {
    const input = `\n${V31}\r\n\n   \n${V40.slice(0, 20)}`;
    const { error, stderr, json } = await run(["--stdin"], [input, Buffer.from(`${V40.slice(20)}\n\n`)]);
    expect(error).toBeUndefined();
    expect(stderr).toBe("");
    expect(json).toEqual([JSON_V31, JSON_V40]);
  });

  it("--stdin handles a last line without newline and reports invalid lines", async () => {
    const { error, stderr, json } = await run(["--stdin"], [`not-a-vector\n${V40}`]);
    expect(json).toEqual([JSON_V40]);
    expect(stderr).toBe(
      "embargo cvss: CVSS vector: unsupported prefix 'not-a-vector' (expected CVSS:3.1/ or CVSS:4.0/)\n",
    );
    expect((error as CommanderError).exitCode).toBe(1);
  });

  it("fails with exit code 1 when given neither vectors nor --stdin", async () => {
    const { error, stderr, stdout } = await run([]);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "embargo cvss: give one or more vectors, or --stdin to read them from standard input\n",
    );
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(1);
  });

  it("reports unknown options through commander without exiting the process", async () => {
    const { error, stderr } = await run(["--bogus"]);
    expect(stderr).toContain("unknown option '--bogus'");
    expect((error as CommanderError).exitCode).toBe(1);
  });
});
