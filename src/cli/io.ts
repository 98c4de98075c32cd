/**
 * What the `embargo` command line talks to: its output, its standard input and where its settings
 * come from. The entry point passes the process's own (processIo); tests pass strings and an
 * environment of their own, so a run inside the test process neither reads nor changes anything
 * of that process (its environment, its exit code, its streams).
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Read by `cvss --stdin`; chunks may split lines anywhere. */
  stdin: AsyncIterable<string | Uint8Array>;
  /**
   * The settings (EMBARGO_*, over configFile, over what `embargo serve` saved in the data folder:
   * src/saved-settings.ts) and the variables options name (--passphrase-env).
   */
  env: NodeJS.ProcessEnv;
  /** The configuration file under the environment (a missing file is no settings). */
  configFile: string;
  /**
   * Help width and colours. Left out, commander asks the process's own streams (a terminal's
   * width); give captured output what a pipe gets (80 columns, no colour) so it does not depend
   * on where the tests run.
   */
  terminal?: { columns: number; colors: boolean };
  /**
   * Whether stderr is a terminal: long operations redraw one progress line there, plain lines
   * elsewhere (src/cli/progress.ts). Left out, they show none: tests capturing stderr say which.
   */
  stderrIsTTY?: boolean;
  /** Milliseconds for the progress reports' pacing; left out, performance.now(). Tests pass their own. */
  clock?: () => number;
}

/** The process's own streams, environment and ./embargo.yaml: what `embargo` runs with. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    // Touched only when read (cvss --stdin), as before: other commands leave the stream alone.
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    env: process.env,
    configFile: "embargo.yaml",
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
