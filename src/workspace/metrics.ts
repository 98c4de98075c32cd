import { caseClocks } from "../domain/clocks/case-clocks.js";
import {
  type CaseMetricFacts,
  computeMetrics,
  type ProgramMetrics,
  type Severity,
} from "../domain/metrics/index.js";
import type { ProgramRegistry } from "../intake/programs.js";
import type { Store } from "../store/database.js";

/**
 * The metrics of the programs a person may see, from the plaintext columns of `cases` only (no
 * report is decrypted). Cases received within the chart window, and older cases still open,
 * are counted. The reporter's agreement is not in these columns, so a clock that stops when the
 * reporter agrees counts as running here (no seed has one).
 */
export interface MetricsQuery {
  programs: readonly string[];
  bucket: "week" | "month";
  buckets: number;
  now: Date;
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
    .select([
      "program",
      "severity",
      "state",
      "received_at",
      "acknowledged_at",
      "first_team_reply_at",
      "detailed_response_at",
      "triaged_at",
      "fixed_at",
      "closed_at",
    ])
    .where("program", "in", query.programs)
    .where((w) => w.or([w("received_at", ">=", since), w("state", "!=", "closed")]))
    .execute();
  const date = (value: string | null) => (value === null ? null : new Date(value));
  const facts: CaseMetricFacts[] = [];
  for (const row of rows) {
    const policy = registry.get(row.program)?.policy;
    if (policy === undefined) continue;
    const base = {
      receivedAt: new Date(row.received_at),
      severity: row.severity,
      acknowledgedAt: date(row.acknowledged_at),
      firstTeamReplyAt: date(row.first_team_reply_at),
      detailedResponseAt: date(row.detailed_response_at),
      triagedAt: date(row.triaged_at),
      fixedAt: date(row.fixed_at),
      closedAt: date(row.closed_at),
      reporterAgreedAt: null,
    };
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
