import type { CaseClock } from "../../domain/clocks/case-clocks.js";
import type { InboxClock } from "../../domain/clocks/countdown.js";
import type { DisclosurePhaseItem, EmbargoEnd } from "../../domain/clocks/disclosure.js";
import type { InboxClockItem } from "../../workspace/inbox-clocks.js";

/**
 * Clocks as the inbox, the case page and the staff JSON API show them. Only what a reader needs
 * leaves the server: the worded text and whether it is overdue, never the policy's internals
 * (a clock's promise, its start, milliseconds left). Instants are ISO 8601 UTC text.
 */

export const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** An inbox row's headline clock ("acknowledge within 3 h"), or null when nothing is due. */
export const inboxClockOf = (clock: InboxClock | null) =>
  clock === null ? null : { text: clock.text, overdue: clock.overdue };

/** One of the clocks an inbox row lists (the headline's company). */
export const inboxClockItemOf = ({ label, text, overdue }: InboxClockItem) => ({ label, text, overdue });

/** One of a case's clocks (the policy's time promises and the authority deadline). */
export const caseClockOf = (clock: CaseClock) => ({
  id: clock.id,
  kind: clock.kind,
  label: clock.label,
  dueAt: iso(clock.dueAt),
  state: clock.state,
  text: clock.text,
});

/** When the policy's embargo ends on a case; null when the policy sets none. */
export const embargoOf = (embargo: EmbargoEnd | null) =>
  embargo === null ? null : { endsAt: iso(embargo.endsAt), state: embargo.state, text: embargo.text };

/** One phase of the policy's disclosure plan on a case. */
export const disclosurePhaseOf = (phase: DisclosurePhaseItem) => ({
  id: phase.id,
  name: phase.name,
  day: phase.day,
  relativeTo: phase.relativeTo,
  dueAt: iso(phase.dueAt),
  state: phase.state,
  text: phase.text,
  audiences: phase.audiences,
  actions: phase.actions,
});
