import { type PhaseRecord, type PolicyPhase, phaseStates } from "../incident/phases.js";
import type { AnnouncementHistory, AnnouncementRevision } from "./history.js";
import type { PublishGate } from "./publish-gate.js";
import { isValidSlug, SLUG_MAX, slugFromTitle } from "./slug.js";

/**
 * What the team may do with a case's public announcement, given its history: save a draft,
 * approve it (someone other than its author), publish it (approved, and the disclosure date
 * passed). Published is final: a public security notice that changes silently cannot be
 * trusted, and its address and feed entry stay as they were first read. Pure; a refusal names
 * why, in a sentence the page shows as it is.
 */

export const TITLE_MAX = 200;
/** 10,000 characters: the form stays within the small body limit even at 9 bytes a character. */
export const BODY_MAX = 10_000;

/** The form field a refusal is shown beside (the panel's general one, or a draft field). */
export type AnnouncementField =
  | "announcement"
  | "announcement-title"
  | "announcement-slug"
  | "announcement-body";

export interface Refusal {
  ok: false;
  field: AnnouncementField;
  message: string;
}

const refuse = (field: AnnouncementField, message: string): Refusal => ({ ok: false, field, message });

export interface DraftText {
  title: string;
  slug: string;
  body: string;
}

/**
 * Text without what no page or feed can hold: control characters (line breaks and tabs kept),
 * unpaired surrogates and the non-characters U+FFFE and U+FFFF. NFC, and \n line ends.
 */
export function printable(text: string): string {
  let kept = "";
  for (const char of text.normalize("NFC").replace(/\r\n?/g, "\n")) {
    const code = char.codePointAt(0) ?? 0;
    const control = (code < 0x20 && char !== "\n" && char !== "\t") || (code >= 0x7f && code <= 0x9f);
    const unpaired = code >= 0xd800 && code <= 0xdfff;
    if (!control && !unpaired && code !== 0xfffe && code !== 0xffff) kept += char;
  }
  return kept;
}

/** The draft as the form sent it, checked: a one-line title, a slug (made from the title when empty), a body. */
export function readDraft(input: DraftText): { ok: true; draft: DraftText } | Refusal {
  const title = printable(input.title).replace(/\s+/g, " ").trim();
  const body = printable(input.body).trim();
  const typed = input.slug.trim();
  if (title === "") return refuse("announcement-title", "Give the announcement a title.");
  if (title.length > TITLE_MAX)
    return refuse("announcement-title", `The title may be at most ${TITLE_MAX} characters.`);
  if (body === "") return refuse("announcement-body", "Write the announcement's text.");
  if (body.length > BODY_MAX)
    return refuse(
      "announcement-body",
      `The text may be at most ${BODY_MAX.toLocaleString("en")} characters (it has ${body.length.toLocaleString("en")}).`,
    );
  const slug = typed === "" ? slugFromTitle(title) : typed;
  if (slug === "")
    return refuse("announcement-slug", "Give a slug: the title has no letters or digits to make one from.");
  if (!isValidSlug(slug))
    return refuse(
      "announcement-slug",
      `The slug may hold lowercase letters, digits and single hyphens between them, at most ${SLUG_MAX} characters.`,
    );
  return { ok: true, draft: { title, slug, body } };
}

const FINAL = (at: Date) =>
  `The announcement was published on ${at.toISOString().slice(0, 10)}; published announcements are final.`;

/** Saving a draft: a new revision, unless it is the latest one again (then nothing changes). */
export function decideDraft(
  history: AnnouncementHistory,
  draft: DraftText,
): { ok: true; changed: boolean } | Refusal {
  if (history.published !== null) return refuse("announcement", FINAL(history.published.at));
  const latest = history.latest;
  const same =
    latest !== null &&
    latest.title === draft.title &&
    latest.slug === draft.slug &&
    latest.body === draft.body;
  return { ok: true, changed: !same };
}

/** The revision the form was showing must still be the latest: nobody approves or publishes unread text. */
function currentRevision(
  history: AnnouncementHistory,
  revision: number | null,
  verb: "approve" | "publish",
): AnnouncementRevision | Refusal {
  if (history.published !== null) return refuse("announcement", FINAL(history.published.at));
  const latest = history.latest;
  if (latest === null) return refuse("announcement", `There is no draft to ${verb}.`);
  if (revision !== latest.seq)
    return refuse(
      "announcement",
      `The draft changed since this page was loaded: read the latest revision, then ${verb} it.`,
    );
  return latest;
}

/** Approving the latest revision: by a member of the team who did not write it. */
export function decideApproval(
  history: AnnouncementHistory,
  revision: number | null,
  actor: string,
): { ok: true; changed: boolean; revision: number } | Refusal {
  const latest = currentRevision(history, revision, "approve");
  if ("ok" in latest) return latest;
  if (latest.author === actor)
    return refuse(
      "announcement",
      "You wrote the latest revision: another member of the team must approve it.",
    );
  return { ok: true, changed: history.approval === null, revision: latest.seq };
}

/** Publishing: the latest revision, approved, once the disclosure date has passed (publish-gate.ts). */
export function decidePublish(
  history: AnnouncementHistory,
  revision: number | null,
  gate: PublishGate,
): { ok: true; revision: AnnouncementRevision } | Refusal {
  const latest = currentRevision(history, revision, "publish");
  if ("ok" in latest) return latest;
  if (history.approval === null)
    return refuse(
      "announcement",
      "The latest revision is not approved: another member of the team must approve it before it is published.",
    );
  if (!gate.open) return refuse("announcement", `Not before the disclosure date: ${gate.reason}.`);
  return { ok: true, revision: latest };
}

/**
 * The incident phase whose completion calls for the announcement, while no draft exists: the
 * first completed phase the policy marks `endsWithPublicAnnouncement` (Kitsu's remediation).
 */
export function announcementDue(
  phases: readonly PolicyPhase[],
  records: readonly PhaseRecord[],
  history: AnnouncementHistory,
): string | null {
  if (history.latest !== null || history.published !== null) return null;
  const done = phaseStates(phases, records).find(
    ({ phase, state }) => phase.endsWithPublicAnnouncement && state === "completed",
  );
  return done?.phase.name ?? null;
}
