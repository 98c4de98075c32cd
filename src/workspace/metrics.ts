import { caseClocks } from "../domain/clocks/case-clocks.js";
import {
  type CaseMetricFacts,
  computeMetrics,
  type ProgramMetrics,
  type Severity,
} from "../domain/metrics/index.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { CLOCK_COLUMNS, clockFactsOfRow } from "../store/clock-facts.js";
import type { Store } from "../store/database.js";

/**
 * The metrics of the programs a person may see, from the plaintext columns of `cases` only (no
 * report is decrypted). Cases received within the chart window, and older cases still open,
 * are counted. The reporter's agreement and the waits for the reporter are not in these columns
 * (src/store/clock-facts.ts), so a clock that stops when the reporter agrees counts as running
 * here, and a paused clock as if it had run on.
 */
export interface MetricsQuery {
  programs: readonly string[];
  bucket: "week" | "month";
  buckets: number;
  now: Date;
  /** The member asking: confidential cases count only for the members named on them (issue 16). */
  member?: string;
}

const DAY_MS = 86_400_000;

export async function programMetrics(
  store: Store,
  registry: ProgramRegistry,
  query: MetricsQuery,
): Promise<ProgramMetrics[]> {
  if (query.programs.length === 0) return [];
  const windowDays = query.bucket === "week" ? 7 * query.buckets : 31 * query.buckets;
  const since = new Date(query.now.getTime() - windowDays * DAY_MS).toISOString();
  const rows = await store.db
    .selectFrom("cases")
    .select(["program", "state", ...CLOCK_COLUMNS])
    .where("program", "in", query.programs)
    .where((w) => w.or([w("received_at", ">=", since), w("state", "!=", "closed")]))
    .$if(query.member !== undefined, (q) =>
      q.where((w) =>
        w.or([
          w("confidential", "=", 0),
          w(
            "cases.id",
            "in",
            w
              .selectFrom("case_members")
              .select("case_members.case_id")
              .where("case_members.user_id", "=", query.member ?? ""),
          ),
        ]),
      ),
    )
    .execute();
  const facts: CaseMetricFacts[] = [];
  for (const row of rows) {
    const policy = registry.get(row.program)?.policy;
    if (policy === undefined) continue;
    const base = clockFactsOfRow(row, undefined);
    facts.push({
      program: row.program,
      severity: row.severity as Severity | null,
      state: row.state,
      receivedAt: base.receivedAt,
      acknowledgedAt: base.acknowledgedAt,
      triagedAt: base.triagedAt,
      fixedAt: base.fixedAt,
      closedAt: base.closedAt,
      clocks: caseClocks(policy, base, query.now).map((clock) => ({ id: clock.id, state: clock.state })),
    });
  }
  return computeMetrics(facts, { now: query.now, bucket: query.bucket, buckets: query.buckets });
}
