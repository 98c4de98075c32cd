import { BenchError, formatNumber, formatTable, type LoadResult } from "./support.js";

// The intake benchmark's (intake.ts) results: what it measured per target, printed and checked.

/** What the intake benchmark measured for one target. */
export interface Measured {
  target: string;
  load: LoadResult;
  warmup: LoadResult | undefined;
  /** The table the target writes one row per report to, and its row count after the run. */
  table: string;
  rows: number;
  where: string;
  /** CPU use by other processes in the second before the target started (0–1), when known. */
  busyBefore: number | undefined;
  /** The server process's CPU time per report taken in the measured run (Linux, child processes). */
  cpuMsPerReport: number | undefined;
}

/** The aim: Embargo on SQLite at this fraction of the baseline's requests per second or more. */
const AIM = 0.6;
/** Above this share of CPU used by others just before a target, its figures are flagged. */
const BUSY_WARNING = 0.2;

/**
 * Prints the results table and the checks (rows written match responses 201, the aim, how busy
 * the machine was); throws a BenchError when a check failed.
 */
export function report(results: Measured[], postgresNote: string | undefined): void {
  const baseline = results.find((result) => result.target === "baseline");
  const ratio = (result: Measured) =>
    baseline === undefined ? Number.NaN : result.load.requestsPerSecond / baseline.load.requestsPerSecond;
  console.log("");
  console.log(
    formatTable(
      ["target", "req/s (avg)", "p50 ms", "p99 ms", "errors", "× baseline req/s", "server CPU ms/report"],
      results.map((result) => [
        result.target,
        formatNumber(result.load.requestsPerSecond, 1),
        formatNumber(result.load.p50, 2),
        formatNumber(result.load.p99, 2),
        formatNumber(result.load.errors),
        formatNumber(ratio(result), 2),
        result.cpuMsPerReport === undefined ? "-" : formatNumber(result.cpuMsPerReport, 2),
      ]),
    ),
  );
  console.log("");

  const failures: string[] = [];
  console.log("check: rows written = 201 responses (warm-up and measured run together)");
  for (const result of results) {
    const created = result.load.ok + (result.warmup?.ok ?? 0);
    const same = created === result.rows;
    if (!same)
      failures.push(`${result.target}: ${result.rows} rows in ${result.table}, ${created} responses 201`);
    console.log(
      `  ${result.target.padEnd(16)} ${formatNumber(result.rows).padStart(9)} rows in ${result.table.padEnd(7)}` +
        ` ${same ? "=" : "≠"} ${formatNumber(created).padStart(9)} responses 201` +
        ` (${formatNumber(result.load.ok)} measured + ${formatNumber(result.warmup?.ok ?? 0)} warm-up)` +
        `  ${same ? "ok" : "MISMATCH"}`,
    );
  }
  for (const result of results) {
    for (const [phase, load] of [
      ["measured", result.load],
      ["warm-up", result.warmup],
    ] as const) {
      if (load === undefined || load.errors === 0) continue;
      const kinds = [...load.breakdown].map(([kind, n]) => `${kind} × ${n}`).join(", ");
      console.log(`errors: ${result.target} (${phase}): ${kinds}`);
    }
    if (result.load.ok === 0) failures.push(`${result.target}: no response 201 at all`);
  }

  const sqlite = results.find((result) => result.target === "embargo-sqlite");
  if (sqlite !== undefined) {
    const value = ratio(sqlite);
    console.log(
      `aim: embargo-sqlite at ${AIM.toFixed(2)} × baseline req/s or more: ${formatNumber(value, 2)}` +
        ` (${value >= AIM ? "met" : "not met"})`,
    );
  }
  if (postgresNote !== undefined) console.log(postgresNote);
  if (results.some((result) => result.busyBefore !== undefined)) {
    const busy = results.map((result) => `${result.target} ${formatPercent(result.busyBefore)}`);
    console.log(`other processes' CPU use in the second before each target: ${busy.join(", ")}`);
    if (results.some((result) => (result.busyBefore ?? 0) > BUSY_WARNING)) {
      console.log(
        `warning: the machine was busy with other work (over ${formatPercent(BUSY_WARNING)} CPU): ` +
          "these figures are not reliable; run again when it is quiet",
      );
    }
  }
  if (failures.length > 0) throw new BenchError(`intake check failed:\n  ${failures.join("\n  ")}`);
}

function formatPercent(fraction: number | undefined): string {
  return fraction === undefined ? "unknown" : `${Math.round(fraction * 100)}%`;
}
