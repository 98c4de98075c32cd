import { type ProgressLabels, type ProgressState, progressStep, startProgress } from "./progress-text.js";

/** Where a long command's progress goes: CliIo's stderr, whether it is a terminal, and a clock. */
export interface ProgressIo {
  stderr: (text: string) => void;
  /** Left out (a caller capturing stderr without saying what it is): no progress at all. */
  stderrIsTTY?: boolean;
  /** Milliseconds, never going back; left out, performance.now(). */
  clock?: () => number;
}

/** What the store and the commands call as they go: `done` of `total` items. */
export type OnProgress = (done: number, total: number) => void;

export interface ProgressReporter {
  /**
   * The callback of one stage of the operation (restore: checking, inserting, verifying). The
   * first call of a stage's callback ends the stage before it.
   */
  stage(labels: ProgressLabels): OnProgress;
  /** Ends the stage in progress: its terminal line cleared, or its plain end line. */
  end(outcome: "completed" | "failed"): void;
}

/** Writes progressStep's text (progress-text.ts) to stderr for each report of the operation. */
export function progressReporter(io: ProgressIo): ProgressReporter {
  if (io.stderrIsTTY === undefined) return { stage: () => () => undefined, end: () => undefined };
  const mode = io.stderrIsTTY ? "terminal" : "lines";
  const clock = io.clock ?? (() => performance.now());
  const startedAt = clock();
  let current: { labels: ProgressLabels; state: ProgressState } | undefined;
  const step = (event: Parameters<typeof progressStep>[3]) => {
    if (current === undefined) return;
    const { text, state } = progressStep(mode, current.labels, current.state, event, clock());
    current.state = state;
    if (text !== "") io.stderr(text);
  };
  const end = (outcome: "completed" | "failed") => {
    step({ end: outcome });
    current = undefined;
  };
  return {
    stage: (labels) => (done, total) => {
      if (current?.labels !== labels) {
        end("completed");
        current = { labels, state: startProgress(startedAt) };
      }
      step({ done, total });
    },
    end,
  };
}

/**
 * Runs `work` with a reporter and ends it however the work ends, before the command writes its
 * result or runCommandLine its error: a terminal's progress line is gone by then.
 */
export async function withProgress<T>(
  io: ProgressIo,
  work: (progress: ProgressReporter) => Promise<T>,
): Promise<T> {
  const progress = progressReporter(io);
  try {
    const result = await work(progress);
    progress.end("completed");
    return result;
  } catch (error) {
    progress.end("failed");
    throw error;
  }
}
