import type { Policy } from "../../policy/schema.js";
import type { PublishGate } from "../announcements/publish-gate.js";
import { type AdvisoryDraft, type Refusal, refuse } from "./draft.js";

/**
 * Who may approve and publish an advisory's draft (issue 13): approval by another member than the
 * last editor, unless the policy's `disclosure.advisories.secondApproval` is false; publication of
 * the current, approved draft, for a case's advisory only once its disclosure date has passed.
 */
/** What the decisions read of an advisory's row. */
export interface AdvisoryState {
  /** Bumped by every change of the draft. */
  draftVersion: number;
  /** The draft version last published; null before the first publication. */
  publishedVersion: number | null;
  /** The user id who last changed the draft. */
  updatedBy: string;
  approvedBy: string | null;
  /** Revisions published so far. */
  revisions: number;
}

export type Decision<T> = ({ ok: true } & T) | (Refusal & { conflict: boolean });
const conflict = (field: string, message: string) => ({ ok: false as const, field, message, conflict: true });

function currentDraft(state: AdvisoryState, version: number, verb: string) {
  if (state.publishedVersion === state.draftVersion)
    return conflict(
      "advisory",
      `Nothing to ${verb}: the draft is revision ${state.revisions} as published. Edit it to prepare a correction.`,
    );
  if (version !== state.draftVersion)
    return conflict(
      "version",
      `The draft changed since this page was loaded (it is at version ${state.draftVersion}): read it again, then ${verb} it.`,
    );
  return null;
}

/** What the program's policy asks before an advisory is published. */
export interface AdvisoryReview {
  /** Another member than the draft's last editor approves it before it is published. */
  secondApproval: boolean;
}

/**
 * The policy's `disclosure.advisories.secondApproval`; without it, the safe rule: a second member
 * approves. With false the approval step is skipped, not faked: the publisher's own approval means
 * nothing, so self-approval stays refused and publishing needs none.
 */
export const advisoryReviewOf = (policy: Pick<Policy, "disclosure">): AdvisoryReview => ({
  secondApproval: policy.disclosure.advisories?.secondApproval ?? true,
});

/**
 * Approving the draft as it is now: by a member of the team who did not make its latest change.
 * Where the policy needs no second approval, another member may still approve (a review someone
 * asked for); the last editor is told to publish instead.
 */
export function decideAdvisoryApproval(
  state: AdvisoryState,
  version: number,
  userId: string,
  review: AdvisoryReview,
): Decision<{ changed: boolean }> {
  const stale = currentDraft(state, version, "approve");
  if (stale !== null) return stale;
  if (state.updatedBy === userId)
    return conflict(
      "advisory",
      review.secondApproval
        ? "You made the latest change to this draft: another member of the team must approve it."
        : "You made the latest change to this draft, so your approval adds nothing; this program's policy needs no second approval: publish it.",
    );
  return { ok: true, changed: state.approvedBy === null };
}

/**
 * Publishing the draft as the next revision: approved by a second member where the policy asks
 * for it (`review`), for a case's advisory only once the case's disclosure date has passed
 * (`gate`; null for a standalone advisory); a correction says what changed.
 */
export function decideAdvisoryPublish(
  state: AdvisoryState,
  version: number,
  draft: AdvisoryDraft,
  gate: PublishGate | null,
  review: AdvisoryReview,
): Decision<{ number: number }> {
  const stale = currentDraft(state, version, "publish");
  if (stale !== null) return stale;
  if (review.secondApproval && state.approvedBy === null)
    return conflict(
      "advisory",
      "The draft is not approved: another member of the team must approve it first.",
    );
  if (gate !== null && !gate.open)
    return conflict(
      "advisory",
      `Not before the case is disclosed: ${gate.reason}. An advisory never leaks an embargo.`,
    );
  const number = state.revisions + 1;
  if (draft.title === "")
    return { ...refuse("title", "Give the advisory a title before publishing it."), conflict: false };
  if (draft.summary === "")
    return { ...refuse("summary", "Write the advisory's summary before publishing it."), conflict: false };
  if (number > 1 && draft.revisionSummary === "")
    return {
      ...refuse(
        "revisionSummary",
        `Revision ${number} is a correction: say what changed in the revision summary.`,
      ),
      conflict: false,
    };
  return { ok: true, number };
}
