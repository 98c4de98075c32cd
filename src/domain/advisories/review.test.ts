import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { EMPTY_DRAFT } from "./draft.js";
import {
  type AdvisoryState,
  advisoryReviewOf,
  decideAdvisoryApproval,
  decideAdvisoryPublish,
} from "./review.js";

/** The review rules of src/domain/advisories/draft.ts: who approves, and when a draft may be published. */
const draft = { ...EMPTY_DRAFT, title: "Session fixation", summary: "Kept a pre-sign-in session id." };
const state = (changes: Partial<AdvisoryState> = {}): AdvisoryState => ({
  draftVersion: 2,
  publishedVersion: null,
  updatedBy: "alice",
  approvedBy: null,
  revisions: 0,
  ...changes,
});
const REQUIRED = { secondApproval: true };
const ALONE = { secondApproval: false };

describe("an advisory's review", () => {
  it("asks a second approval unless the policy's disclosure.advisories.secondApproval is false", () => {
    expect(advisoryReviewOf(acmePolicy())).toEqual(REQUIRED);
    expect(advisoryReviewOf(acmePolicy({ disclosure: { advisories: {} } }))).toEqual(REQUIRED);
    expect(advisoryReviewOf(acmePolicy({ disclosure: { advisories: { secondApproval: true } } }))).toEqual(
      REQUIRED,
    );
    expect(advisoryReviewOf(acmePolicy({ disclosure: { advisories: { secondApproval: false } } }))).toEqual(
      ALONE,
    );
  });

  it("second approval: the last editor neither approves nor publishes alone; another member approves, then it is published", () => {
    expect(decideAdvisoryApproval(state(), 2, "alice", REQUIRED)).toMatchObject({
      ok: false,
      conflict: true,
      message: "You made the latest change to this draft: another member of the team must approve it.",
    });
    expect(decideAdvisoryPublish(state(), 2, draft, null, REQUIRED)).toMatchObject({
      ok: false,
      conflict: true,
      message: "The draft is not approved: another member of the team must approve it first.",
    });
    expect(decideAdvisoryApproval(state(), 2, "bob", REQUIRED)).toEqual({ ok: true, changed: true });
    expect(decideAdvisoryPublish(state({ approvedBy: "bob" }), 2, draft, null, REQUIRED)).toEqual({
      ok: true,
      number: 1,
    });
  });

  it("without second approval: the last editor publishes alone and may not approve their own draft; every other rule stays", () => {
    expect(decideAdvisoryPublish(state(), 2, draft, null, ALONE)).toEqual({ ok: true, number: 1 });
    expect(decideAdvisoryApproval(state(), 2, "alice", ALONE)).toMatchObject({
      ok: false,
      conflict: true,
      message: expect.stringContaining("needs no second approval: publish it"),
    });
    expect(decideAdvisoryApproval(state(), 2, "bob", ALONE)).toEqual({ ok: true, changed: true });
    // Stale versions, the disclosure gate and a correction's summary are not the approval's to skip.
    expect(decideAdvisoryPublish(state(), 1, draft, null, ALONE)).toMatchObject({
      ok: false,
      field: "version",
    });
    expect(
      decideAdvisoryPublish(state(), 2, draft, { open: false, reason: "the case is not disclosed" }, ALONE),
    ).toMatchObject({ ok: false, message: expect.stringContaining("Not before the case is disclosed") });
    expect(
      decideAdvisoryPublish(state({ revisions: 1, publishedVersion: 1 }), 2, draft, null, ALONE),
    ).toMatchObject({ ok: false, field: "revisionSummary" });
    expect(
      decideAdvisoryPublish(state({ publishedVersion: 2, revisions: 1 }), 2, draft, null, ALONE),
    ).toMatchObject({ ok: false, conflict: true, message: expect.stringContaining("Nothing to publish") });
  });
});
