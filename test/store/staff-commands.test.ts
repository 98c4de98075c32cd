import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assign, follow, unfollow } from "../../src/commands/assignment.js";
import { acknowledge, addInternalNote, replyToReporter } from "../../src/commands/conversation.js";
import { transition } from "../../src/commands/lifecycle.js";
import { updateTriage } from "../../src/commands/triage.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { CaseNotFoundError, findCaseForReporter, getAttachment } from "../../src/store/cases.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { InvalidCaseCommandError } from "../../src/store/staff-errors.js";
import { ALICE, AS_ALICE, AS_BOB, BOB, caseRow, hours, seedCase, snapshot } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

const CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N";
const CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
const file = (name: string, text: string) => ({
  filename: name,
  contentType: "text/plain",
  data: Buffer.from(text),
});

describe.each(databases)("staff case commands on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  async function eventTypes(caseId: string): Promise<string[]> {
    const rows = await store.db
      .selectFrom("case_events")
      .select("type")
      .where("case_id", "=", caseId)
      .orderBy("seq")
      .execute();
    return rows.map((row) => row.type);
  }

  it("acknowledges once: the event, the time, and next_due_at moves to the team's due date", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    expect((await caseRow(store, caseId)).next_due_at).toBe(hours(24).toISOString());
    // The team's own due date is later than the acknowledgement deadline: the latter comes first.
    await updateTriage({ store, keyring }, caseId, AS_ALICE, { dueAt: hours(240) }, hours(1));
    expect((await caseRow(store, caseId)).next_due_at).toBe(hours(24).toISOString());

    expect(await acknowledge({ store, keyring }, caseId, AS_ALICE, hours(2))).toEqual({ acknowledged: true });
    const row = await caseRow(store, caseId);
    expect(row).toMatchObject({
      acknowledged_at: hours(2).toISOString(),
      next_due_at: hours(240).toISOString(),
      updated_at: hours(2).toISOString(),
      event_count: 3,
    });
    expect(await acknowledge({ store, keyring }, caseId, AS_BOB, hours(3))).toEqual({ acknowledged: false });
    expect(await caseRow(store, caseId)).toEqual(row);
    expect(await eventTypes(caseId)).toEqual(["case.received", "case.triage_updated", "case.acknowledged"]);

    const reporter = await findCaseForReporter(store, keyring, reporterToken);
    expect(reporter?.timeline.map(({ type, actor }) => ({ type, actor }))).toEqual([
      { type: "case.received", actor: "reporter" },
      { type: "case.acknowledged", actor: "team" },
    ]);
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 3 });
  });

  it("replies to the reporter with files; the first reply also acknowledges", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    const first = await replyToReporter(
      { store, keyring },
      caseId,
      AS_ALICE,
      "Thanks, we can reproduce it.",
      [file("fix-plan.txt", "patch tomorrow")],
      hours(3),
    );
    expect(first).toMatchObject({ seq: 3, attachmentIds: [expect.any(String)] });
    await replyToReporter({ store, keyring }, caseId, AS_BOB, "Here is our assessment.", [], hours(5), {
      detailedResponse: true,
    });
    expect(await eventTypes(caseId)).toEqual([
      "case.received",
      "case.acknowledged",
      "team.reply",
      "team.reply",
    ]);
    expect(await caseRow(store, caseId)).toMatchObject({
      acknowledged_at: hours(3).toISOString(),
      first_team_reply_at: hours(3).toISOString(),
      detailed_response_at: hours(5).toISOString(),
      next_due_at: null,
    });

    const reporter = await findCaseForReporter(store, keyring, reporterToken);
    const attachmentId = first.attachmentIds[0] ?? "";
    expect(reporter?.timeline.slice(1)).toEqual([
      { seq: 2, type: "case.acknowledged", actor: "team", at: hours(3) },
      {
        seq: 3,
        type: "team.reply",
        actor: "team",
        at: hours(3),
        text: "Thanks, we can reproduce it.",
        attachmentIds: [attachmentId],
      },
      {
        seq: 4,
        type: "team.reply",
        actor: "team",
        at: hours(5),
        text: "Here is our assessment.",
        attachmentIds: [],
      },
    ]);
    expect(reporter?.attachments).toEqual([
      expect.objectContaining({ id: attachmentId, filename: "fix-plan.txt", uploadedBy: "team", size: 14 }),
    ]);
    expect((await getAttachment(store, keyring, caseId, attachmentId, "reporter"))?.data.toString()).toBe(
      "patch tomorrow",
    );
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 4 });
  });

  it("keeps internal notes and their files from the reporter", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    const note = await addInternalNote(
      { store, keyring },
      caseId,
      AS_ALICE,
      "Probably the same root cause as the SSO bug.",
      hours(1),
      [file("internal.txt", "internal analysis")],
    );
    await replyToReporter({ store, keyring }, caseId, AS_ALICE, "We are looking into it.", [], hours(2));
    const noteFile = note.attachmentIds[0] ?? "";

    const reporter = await findCaseForReporter(store, keyring, reporterToken);
    expect(reporter?.timeline.map((entry) => entry.type)).toEqual([
      "case.received",
      "case.acknowledged",
      "team.reply",
    ]);
    expect(JSON.stringify(reporter)).not.toContain("SSO bug");
    expect(reporter?.attachments.map((a) => a.id)).not.toContain(noteFile);
    expect(await getAttachment(store, keyring, caseId, noteFile)).toBeUndefined();
    expect(await getAttachment(store, keyring, caseId, noteFile, "reporter")).toBeUndefined();
    expect((await getAttachment(store, keyring, caseId, noteFile, "team"))?.data.toString()).toBe(
      "internal analysis",
    );

    const staff = await getCaseForStaff(store, keyring, caseId);
    expect(staff?.events.find((event) => event.type === "team.note")).toMatchObject({
      seq: 2,
      actor: AS_ALICE,
      reporterVisible: false,
      text: "Probably the same root cause as the SSO bug.",
      attachmentIds: [noteFile],
    });
    expect(staff?.attachments).toEqual([
      expect.objectContaining({
        id: noteFile,
        filename: "internal.txt",
        eventSeq: 2,
        reporterVisible: false,
      }),
    ]);
    // A note is not an acknowledgement.
    expect(staff?.acknowledgedAt).toEqual(hours(2));
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 4 });
  });

  it("assigns, follows and unfollows, each change once", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    expect(await assign({ store, keyring }, caseId, AS_ALICE, BOB, hours(1))).toEqual({ changed: true });
    expect(await assign({ store, keyring }, caseId, AS_ALICE, BOB, hours(1))).toEqual({ changed: false });
    expect(await assign({ store, keyring }, caseId, AS_BOB, null, hours(2))).toEqual({ changed: true });
    expect(await follow({ store, keyring }, caseId, ALICE, hours(3))).toEqual({ changed: true });
    expect(await follow({ store, keyring }, caseId, ALICE, hours(3))).toEqual({ changed: false });
    expect(await follow({ store, keyring }, caseId, BOB, hours(4))).toEqual({ changed: true });
    expect(await unfollow({ store, keyring }, caseId, ALICE, hours(5))).toEqual({ changed: true });
    expect(await unfollow({ store, keyring }, caseId, ALICE, hours(5))).toEqual({ changed: false });

    const staff = await getCaseForStaff(store, keyring, caseId);
    expect(staff).toMatchObject({ assignee: null, followers: [BOB] });
    expect(staff?.events.slice(1).map(({ type, actor, payload }) => ({ type, actor, payload }))).toEqual([
      { type: "case.assigned", actor: AS_ALICE, payload: { from: null, to: BOB } },
      { type: "case.assigned", actor: AS_BOB, payload: { from: BOB, to: null } },
      { type: "case.followed", actor: AS_ALICE, payload: { userId: ALICE } },
      { type: "case.followed", actor: AS_BOB, payload: { userId: BOB } },
      { type: "case.unfollowed", actor: AS_ALICE, payload: { userId: ALICE } },
    ]);
    expect((await findCaseForReporter(store, keyring, reporterToken))?.timeline).toHaveLength(1);
    await expect(assign({ store, keyring }, caseId, AS_ALICE, "not a user id!", hours(6))).rejects.toThrow(
      InvalidCaseCommandError,
    );
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 6 });
  });

  it("updates triage as one event with the diff, and only what changed", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    const result = await updateTriage(
      { store, keyring },
      caseId,
      AS_ALICE,
      {
        priority: "high",
        dueAt: hours(72),
        severity: "critical",
        cvss31: { vector: CVSS31, score: 6.1 },
        cvss40: { vector: CVSS40, score: 9.3 },
        cwe: "cwe-79",
        assetId: "acme-api",
        tags: ["XSS", " web ", "xss"],
      },
      hours(1),
    );
    expect(result).toEqual({
      changed: true,
      diff: {
        priority: { from: null, to: "high" },
        dueAt: { from: null, to: hours(72).toISOString() },
        severity: { from: null, to: "critical" },
        cwe: { from: null, to: "CWE-79" },
        assetId: { from: "acme-app", to: "acme-api" },
        cvss31: { from: null, to: { vector: CVSS31, score: 6.1 } },
        cvss40: { from: null, to: { vector: CVSS40, score: 9.3 } },
        tags: { from: [], to: ["web", "xss"] },
      },
    });
    const staff = await getCaseForStaff(store, keyring, caseId);
    expect(staff).toMatchObject({
      assetId: "acme-api",
      tags: ["web", "xss"],
      triage: {
        priority: "high",
        severity: "critical",
        dueAt: hours(72),
        cvss31: { vector: CVSS31, score: 6.1 },
        cvss40: { vector: CVSS40, score: 9.3 },
        cwe: "CWE-79",
      },
      nextDueAt: hours(24),
    });
    expect(staff?.events.at(-1)).toMatchObject({ type: "case.triage_updated", reporterVisible: false });

    // The same values again: nothing changes, nothing is written.
    const before = await snapshot(store);
    expect(
      await updateTriage(
        { store, keyring },
        caseId,
        AS_BOB,
        { priority: "high", tags: ["xss", "web"] },
        hours(2),
      ),
    ).toEqual({ changed: false, diff: {} });
    expect(await snapshot(store)).toEqual(before);

    // A partial change, clearing fields with null.
    const second = await updateTriage(
      { store, keyring },
      caseId,
      AS_BOB,
      { priority: "low", cvss40: null, dueAt: hours(10), tags: [] },
      hours(3),
    );
    expect(second.diff).toEqual({
      priority: { from: "high", to: "low" },
      dueAt: { from: hours(72).toISOString(), to: hours(10).toISOString() },
      cvss40: { from: { vector: CVSS40, score: 9.3 }, to: null },
      tags: { from: ["web", "xss"], to: [] },
    });
    expect(await caseRow(store, caseId)).toMatchObject({
      cvss40_vector: null,
      cvss40_score: null,
      due_at: hours(10).toISOString(),
      next_due_at: hours(10).toISOString(),
    });
    expect((await getCaseForStaff(store, keyring, caseId))?.tags).toEqual([]);

    // Invalid input is refused before anything is written.
    const valid = await snapshot(store);
    for (const bad of [
      { cvss31: { vector: CVSS31, score: 9.9 } },
      { cvss31: { vector: "CVSS:3.1/AV:X", score: 1 } },
      { cvss40: { vector: CVSS31, score: 6.1 } },
      { cwe: "XSS" },
      { tags: ["no spaces please"] },
      { assetId: "Not An Id" },
      { dueAt: new Date(Number.NaN) },
    ]) {
      await expect(updateTriage({ store, keyring }, caseId, AS_ALICE, bad, hours(4))).rejects.toThrow(
        InvalidCaseCommandError,
      );
    }
    await expect(
      updateTriage({ store, keyring }, caseId, AS_ALICE, { priority: "urgent" as "high" }, hours(4)),
    ).rejects.toThrow(InvalidCaseCommandError);
    expect(await snapshot(store)).toEqual(valid);

    expect((await findCaseForReporter(store, keyring, reporterToken))?.timeline).toHaveLength(1);
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 3 });
  });

  it("gives staff the whole case: contact, report, every event and file", async () => {
    const { caseId } = await seedCase(store, keyring, {
      attachments: [file("poc.txt", "proof")],
    });
    await addInternalNote({ store, keyring }, caseId, AS_ALICE, "triage note", hours(1));
    const staff = await getCaseForStaff(store, keyring, caseId);
    expect(staff).toMatchObject({
      id: caseId,
      program: "acme",
      state: "new",
      report: { title: "Stored XSS in the profile page", fields: expect.any(Object) },
      contact: { email: "ada@example.org" },
      followers: [],
      tags: [],
      duplicateOf: null,
      outcome: null,
      acknowledgeBy: hours(24),
      nextDueAt: hours(24),
    });
    expect(staff?.events.map(({ seq, type, reporterVisible }) => ({ seq, type, reporterVisible }))).toEqual([
      { seq: 1, type: "case.received", reporterVisible: true },
      { seq: 2, type: "attachment.added", reporterVisible: true },
      { seq: 3, type: "team.note", reporterVisible: false },
    ]);
    expect(staff?.attachments).toEqual([
      expect.objectContaining({
        filename: "poc.txt",
        uploadedBy: "reporter",
        eventSeq: 2,
        reporterVisible: true,
      }),
    ]);
    expect(await getCaseForStaff(store, keyring, "nosuchcase")).toBeUndefined();
  });

  it("writes nothing when a command fails: unknown case, bad actor, or a failure halfway", async () => {
    const { caseId } = await seedCase(store, keyring);
    const before = await snapshot(store);
    const at = hours(1);
    // Run one at a time: each must fail on its own, and nothing may be left behind.
    const attempts = [
      () => acknowledge({ store, keyring }, "nosuchcase", AS_ALICE, at),
      () => replyToReporter({ store, keyring }, "nosuchcase", AS_ALICE, "hi", [file("a.txt", "a")], at),
      () => addInternalNote({ store, keyring }, "nosuchcase", AS_ALICE, "hi", at),
      () => assign({ store, keyring }, "nosuchcase", AS_ALICE, BOB, at),
      () => follow({ store, keyring }, "nosuchcase", BOB, at),
      () => unfollow({ store, keyring }, "nosuchcase", BOB, at),
      () => updateTriage({ store, keyring }, "nosuchcase", AS_ALICE, { priority: "low" }, at),
      () =>
        transition(
          { store, keyring },
          "nosuchcase",
          AS_ALICE,
          { to: "triaged", noIncidentAllowed: false },
          at,
        ),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(CaseNotFoundError);
    await expect(acknowledge({ store, keyring }, caseId, "alice" as "team:alice", at)).rejects.toThrow(
      InvalidCaseCommandError,
    );
    await expect(replyToReporter({ store, keyring }, caseId, AS_ALICE, "  ", [], at)).rejects.toThrow(
      InvalidCaseCommandError,
    );
    expect(await snapshot(store)).toEqual(before);

    // The file insert comes last in a reply; without its table it fails after the events and the
    // acknowledgement were written in the transaction, which must roll them all back.
    await store.db.schema.dropTable("attachments").execute();
    await expect(
      replyToReporter({ store, keyring }, caseId, AS_ALICE, "with a file", [file("b.txt", "b")], at),
    ).rejects.toThrow();
    const row = await caseRow(store, caseId);
    expect(row).toMatchObject({ event_count: 1, acknowledged_at: null, first_team_reply_at: null });
    expect(await eventTypes(caseId)).toEqual(["case.received"]);
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 1 });
  });

  it("keeps the chain intact under concurrent commands on one case", async () => {
    const { caseId } = await seedCase(store, keyring);
    const other = await store.reopen();
    try {
      const stores = store.dialect === "postgres" ? [store, other] : [store, store];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const on = stores[i % 2] ?? store;
          const at = hours(i + 1);
          switch (i % 4) {
            case 0:
              return addInternalNote({ store: on, keyring }, caseId, AS_ALICE, `note ${i}`, at);
            case 1:
              return replyToReporter({ store: on, keyring }, caseId, AS_BOB, `reply ${i}`, [], at);
            case 2:
              return updateTriage({ store: on, keyring }, caseId, AS_ALICE, { tags: [`t${i}`] }, at);
            default:
              return acknowledge({ store: on, keyring }, caseId, AS_BOB, at);
          }
        }),
      );
    } finally {
      await other.close();
    }
    const result = await verifyAuditChains(store, keyring);
    expect(result).toMatchObject({ ok: true, cases: 1 });
    const types = await eventTypes(caseId);
    expect(types.filter((type) => type === "case.acknowledged")).toHaveLength(1);
    expect(types.filter((type) => type === "team.reply")).toHaveLength(3);
  });
});
