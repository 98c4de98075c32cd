import { Command, CommanderError } from "commander";
import type { CvssResult } from "../../domain/cvss/index.js";

/** Streams the command talks to; defaults are the process's own. Injected by tests. */
export interface CvssCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Source for `--stdin`; chunks may split lines anywhere (process.stdin, Readable.from([...]), ...). */
  stdin?: AsyncIterable<string | Uint8Array>;
}

interface CvssOptions {
  stdin?: boolean;
}

/**
 * `embargo cvss <vector...>` / `embargo cvss --stdin`: scores CVSS 3.1 and 4.0 vectors and prints
 * one JSON object per line. Invalid vectors are reported on stderr as `embargo cvss: <message>`
 * and, once every vector has been processed, make the command fail with exit code 1 (a
 * CommanderError, which the entry point turns into the process exit code).
 */
export function cvssCommand(io: CvssCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));

  return new Command("cvss")
    .description("Score CVSS 3.1 and 4.0 vector strings, printing one JSON line per vector")
    .argument("[vector...]", "vector strings such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    .option("--stdin", "read vectors from standard input, one per line (blank lines are skipped)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (vectors: string[], options: CvssOptions) => {
      if (vectors.length === 0 && !options.stdin) {
        stderr("embargo cvss: give one or more vectors, or --stdin to read them from standard input\n");
        throw new CommanderError(1, "embargo.cvss.noInput", "no CVSS vector given");
      }
      const { CvssError, scoreCvss } = await import("../../domain/cvss/index.js");
      let invalid = 0;
      const score = (vector: string): void => {
        try {
          stdout(`${JSON.stringify(toJson(scoreCvss(vector)))}\n`);
        } catch (error) {
          if (!(error instanceof CvssError)) throw error;
          invalid += 1;
          stderr(`embargo cvss: ${error.message}\n`);
        }
      };
      for (const vector of vectors) score(vector);
      if (options.stdin) {
        for await (const line of lines(io.stdin ?? process.stdin)) {
          if (line.trim() !== "") score(line);
        }
      }
      if (invalid > 0) {
        throw new CommanderError(1, "embargo.cvss.invalidVector", `${invalid} invalid CVSS vector(s)`);
      }
    });
}

type CvssJson =
  | { vector: string; version: "4.0"; score: number; severity: string }
  | {
      vector: string;
      version: "3.1";
      score: number;
      severity: string;
      baseScore: number;
      temporalScore: number | null;
      environmentalScore: number | null;
    };

function toJson(result: CvssResult): CvssJson {
  const { vector, score, severity } = result;
  if (result.version === "4.0") return { vector, version: "4.0", score, severity };
  return {
    vector,
    version: "3.1",
    score,
    severity,
    baseScore: result.baseScore,
    temporalScore: result.temporalScore,
    environmentalScore: result.environmentalScore,
  };
}

/** Lines of a text stream (LF or CRLF), decoded as UTF-8, without their terminators. */
async function* lines(input: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of input) {
    buffered += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      yield buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.decode();
  if (buffered !== "") yield buffered.replace(/\r$/, "");
}
