import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { submitReport } from "../../src/commands/submit-report.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { CaseNotFoundError, findCaseForReporter, getAttachment } from "../../src/store/cases.js";
import { databases, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

describe.each(databases)("cases on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  it("stores a report and gives every field back to its reporter", async () => {
    const report = buildReport();
    const { caseId, reporterToken } = await submitReport({ store, keyring }, report);
    expect(caseId).toMatch(/^[a-z2-7]{16}$/);
    expect(reporterToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const found = await findCaseForReporter(store, keyring, reporterToken);
    expect(found).toMatchObject({
      id: caseId,
      program: "acme",
      state: "new",
      source: "web",
      assetId: "acme-app",
      receivedAt: report.receivedAt,
      acknowledgeBy: report.acknowledgeBy,
      report: { title: report.title, fields: report.fields, credit: report.credit },
      contact: report.contact,
    });
    expect(
      found?.attachments.map(({ filename, contentType, size, uploadedBy }) => ({
        filename,
        contentType,
        size,
        uploadedBy,
      })),
    ).toEqual(
      report.attachments.map((file) => ({
        filename: file.filename,
        contentType: file.contentType,
        size: file.data.length,
        uploadedBy: "reporter",
      })),
    );
    expect(found?.timeline.map(({ seq, type, actor }) => ({ seq, type, actor }))).toEqual([
      { seq: 1, type: "case.received", actor: "reporter" },
      { seq: 2, type: "attachment.added", actor: "reporter" },
      { seq: 3, type: "attachment.added", actor: "reporter" },
    ]);
    for (const [index, listed] of (found?.attachments ?? []).entries()) {
      const stored = await getAttachment(store, keyring, caseId, listed.id);
      expect(stored?.data.equals(report.attachments[index]?.data ?? Buffer.alloc(0))).toBe(true);
      expect(stored?.filename).toBe(report.attachments[index]?.filename);
      expect(found?.timeline[index + 1]?.attachmentIds).toEqual([listed.id]);
    }
  });

  it("round-trips a minimal report: no asset, no deadline, no contact, anonymous, no files", async () => {
    const report = buildReport({
      assetId: null,
      acknowledgeBy: null,
      contact: {},
      credit: { mode: "anonymous" },
      attachments: [],
      fields: {},
      source: "email",
    });
    const { reporterToken } = await submitReport({ store, keyring }, report);
    const found = await findCaseForReporter(store, keyring, reporterToken);
    expect(found).toMatchObject({
      assetId: null,
      acknowledgeBy: null,
      contact: {},
      source: "email",
      attachments: [],
    });
    expect(found?.report).toEqual({ title: report.title, fields: {}, credit: { mode: "anonymous" } });
    expect(found?.timeline).toHaveLength(1);
  });

  it("stores only the sha-256 of the reporter token and finds nothing for a wrong token", async () => {
    const { caseId, reporterToken } = await submitReport({ store, keyring }, buildReport());
    const row = await store.db
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(row.reporter_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(reporterToken);
    const wrong = `${reporterToken.slice(0, -1)}${reporterToken.endsWith("A") ? "B" : "A"}`;
    for (const token of [wrong, "", "short", `${reporterToken}x`, row.reporter_token_hash]) {
      expect(await findCaseForReporter(store, keyring, token)).toBeUndefined();
    }
  });

  it("sanitises attachment names and types", async () => {
    const { caseId, reporterToken } = await submitReport(
      { store, keyring },
      buildReport({
        attachments: [
          { filename: "../../etc/passwd", contentType: "text/plain; charset=utf-8", data: Buffer.from("a") },
          { filename: "C:\\Users\\x\\evil\u202Etxt.exe", contentType: "not a type", data: Buffer.from("b") },
          { filename: "\u0000\u0001", contentType: "IMAGE/PNG", data: Buffer.from("c") },
        ],
      }),
    );
    const found = await findCaseForReporter(store, keyring, reporterToken);
    expect(found?.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ["passwd", "text/plain"],
      ["eviltxt.exe", "application/octet-stream"],
      ["attachment", "image/png"],
    ]);
    expect(await getAttachment(store, keyring, caseId, "nosuchattachment")).toBeUndefined();
  });

  it("does not hand out another case's attachment", async () => {
    const first = await submitReport({ store, keyring }, buildReport());
    const second = await submitReport({ store, keyring }, buildReport());
    const found = await findCaseForReporter(store, keyring, first.reporterToken);
    const attachmentId = found?.attachments[0]?.id ?? "";
    expect(await getAttachment(store, keyring, first.caseId, attachmentId)).toBeDefined();
    expect(await getAttachment(store, keyring, second.caseId, attachmentId)).toBeUndefined();
  });

  it("appends reporter messages with attachments to the timeline, chained", async () => {
    const { caseId, reporterToken } = await submitReport(
      { store, keyring },
      buildReport({ attachments: [] }),
    );
    const at = new Date("2026-11-27T08:00:00.000Z");
    await addReporterMessage({ store, keyring }, caseId, "Any news?", [], at);
    await addReporterMessage(
      { store, keyring },
      caseId,
      "Here is a better PoC",
      [{ filename: "poc2.py", contentType: "text/x-python", data: Buffer.from("print('x')") }],
      new Date("2026-11-28T08:00:00.000Z"),
    );
    const found = await findCaseForReporter(store, keyring, reporterToken);
    const attachment = found?.attachments[0];
    expect(found?.timeline).toEqual([
      { seq: 1, type: "case.received", actor: "reporter", at: new Date("2026-11-25T09:30:00.123Z") },
      { seq: 2, type: "reporter.message", actor: "reporter", at, text: "Any news?", attachmentIds: [] },
      {
        seq: 3,
        type: "reporter.message",
        actor: "reporter",
        at: new Date("2026-11-28T08:00:00.000Z"),
        text: "Here is a better PoC",
        attachmentIds: [attachment?.id],
      },
    ]);
    expect(attachment).toMatchObject({ filename: "poc2.py", size: 10, uploadedBy: "reporter" });
    const row = await store.db
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ event_count: 3, updated_at: "2026-11-28T08:00:00.000Z" });
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 3 });
    await expect(addReporterMessage({ store, keyring }, "nosuchcase", "hi", [], at)).rejects.toThrow(
      CaseNotFoundError,
    );
  });

  it("keeps the chain intact under concurrent messages on one case", async () => {
    const { caseId } = await submitReport({ store, keyring }, buildReport({ attachments: [] }));
    const other = await store.reopen();
    try {
      // On PostgreSQL two pools race for the next seq; on SQLite one file serialises them.
      const stores = store.dialect === "postgres" ? [store, other] : [store, store];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          addReporterMessage(
            { store: stores[i % 2] ?? store, keyring },
            caseId,
            `message ${i}`,
            [],
            new Date(),
          ),
        ),
      );
    } finally {
      await other.close();
    }
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 13 });
  });

  it("leaves no partial rows when a command fails halfway", async () => {
    const { caseId } = await submitReport({ store, keyring }, buildReport({ attachments: [] }));
    // The attachment insert is the last step of each command; without its table it fails.
    await store.db.schema.dropTable("attachments").execute();
    await expect(submitReport({ store, keyring }, buildReport())).rejects.toThrow();
    const file = { filename: "x", contentType: "text/plain", data: Buffer.from("x") };
    await expect(
      addReporterMessage({ store, keyring }, caseId, "with file", [file], new Date()),
    ).rejects.toThrow();

    const cases = await store.db.selectFrom("cases").select(["id", "event_count"]).execute();
    expect(cases).toEqual([{ id: caseId, event_count: 1 }]);
    const events = await store.db.selectFrom("case_events").select(["case_id", "seq"]).execute();
    expect(events).toEqual([{ case_id: caseId, seq: 1 }]);
  });
});
