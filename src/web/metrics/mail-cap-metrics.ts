import type { MailCapTally } from "../../store/mail-cap-tally.js";
import type { MetricFamily } from "./prometheus.js";

/**
 * The per-program hourly mail cap's refusals as a Prometheus counter: every message the SMTP
 * listener refused because its program's cap was reached, since the database began counting
 * (a sender that tries again is counted again). Labelled by program and reason, so other
 * reasons can join the family later without renaming it.
 */
export function mailCapFamily(tallies: ReadonlyMap<string, MailCapTally>): MetricFamily {
  return {
    name: "embargo_mail_refused_total",
    help: "Mail the SMTP listener refused, by program and reason (hourly_cap: the program's hourly mail cap was reached).",
    type: "counter",
    samples: [...tallies].map(([program, tally]) => ({
      labels: { program, reason: "hourly_cap" },
      value: tally.refusedTotal,
    })),
  };
}
