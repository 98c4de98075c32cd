import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileAnswerAttachments } from "../../src/intake/file-answers.js";
import { findCaseForReporter } from "../../src/store/cases.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, startTestApp, type TestApp, tokenFrom } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * The report template's `purpose` and `kind: file` through the doors reporters use: the web form
 * (multipart, JavaScript off) and the JSON API. Credit fields are the credit choice, asked once;
 * Kafe's proof-of-concept field takes a real file, stored encrypted, bound to its field, and
 * downloadable by staff. `kafe-strict` is Kafe with that file required (written for this test).
 */

/**
 * A multipart part: a text field, or a file (`filename: null` sends none, as no browser does).
 * Written by hand, as browsers write it, so a test can send what FormData cannot: an empty file
 * input (`filename=""`), repeated names, a file part without a file name.
 */
type Part =
  | { name: string; value: string }
  | { name: string; filename: string | null; type?: string; data: Buffer };

function multipartOf(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----embargo-test-${Math.random().toString(16).slice(2)}`;
  const quoted = (value: string) => value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `Content-Disposition: form-data; name="${quoted(part.name)}"`;
    if ("value" in part) {
      chunks.push(Buffer.from(`--${boundary}\r\n${disposition}\r\n\r\n${part.value}\r\n`));
      continue;
    }
    const filename = part.filename === null ? "" : `; filename="${quoted(part.filename)}"`;
    const head = `--${boundary}\r\n${disposition}${filename}\r\nContent-Type: ${part.type ?? "text/plain"}\r\n\r\n`;
    chunks.push(Buffer.from(head), part.data, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

const text = (fields: Record<string, string>): Part[] =>
  Object.entries(fields).map(([name, value]) => ({ name, value }));

const KAFE = {
  title: "Heap overflow in the deploy task parser",
  asset: "kafe-source",
  "fields.location-impact": "src/parser.c:120: remote code execution on the deploy host",
  "fields.steps": "1. craft a deploy.yaml\n2. run kafe deploy",
};
const KAFE_JSON = {
  title: KAFE.title,
  fields: { "location-impact": KAFE["fields.location-impact"], steps: KAFE["fields.steps"] },
};
const POC = Buffer.from("#!/usr/bin/env python3\nprint('proof of concept')\n");
const b64 = (data: Buffer) => data.toString("base64");

/** The example policies plus `kafe-strict`: Kafe whose proof of concept is required. */
async function policiesWithStrictKafe(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-policies-"));
  await cp("examples/policies", dir, { recursive: true });
  const kafe = await readFile("examples/policies/kafe.yaml", "utf8");
  const strict = kafe
    .replace("slug: kafe\n", "slug: kafe-strict\n")
    .replace("name: Kafe\n", "name: Kafe strict\n")
    .replace("      kind: file\n", "      kind: file\n      required: true\n");
  if (!strict.includes("required: true\n      purpose: proof-of-concept"))
    throw new Error("kafe.yaml changed shape");
  await writeFile(path.join(dir, "kafe-strict.yaml"), strict);
  return dir;
}

describe.each(databases)("report template purposes on $name", (database) => {
  let t: TestApp;
  let policies: string;
  let kafeViewer: CreatedStaff;
  beforeAll(async () => {
    policies = await policiesWithStrictKafe();
    t = await startTestApp(database.open, {}, { policies });
    kafeViewer = await createStaff(t, { email: "viewer@kafe.example", role: "viewer", program: "kafe" });
  });
  afterAll(async () => {
    await t.close();
    await rm(policies, { recursive: true, force: true });
  });

  async function postForm(program: string, parts: Part[]) {
    const form = await openForm(t.app, `/p/${program}/report`);
    const body = multipartOf([{ name: "_csrf", value: form.csrf }, ...parts]);
    return t.app.inject({
      method: "POST",
      url: `/p/${program}/report`,
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
  }
  const postApi = (program: string, body: unknown) =>
    t.app.inject({
      method: "POST",
      url: `/api/v1/programs/${program}/reports`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  const caseOfToken = async (token: string) => {
    const found = await findCaseForReporter(t.store, t.keyring, token);
    if (found === undefined) throw new Error("no case for the token");
    return found;
  };
  const staffCase = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const caseCount = async () =>
    Number(
      (
        await t.store.db
          .selectFrom("cases")
          .select((eb) => eb.fn.countAll<string | number>().as("count"))
          .executeTakeFirstOrThrow()
      ).count,
    );

  describe("credit fields", () => {
    it("are the only place the form asks for credit", async () => {
      const kafe = (await openForm(t.app, "/p/kafe/report")).html;
      expect(kafe).not.toContain("How should we credit you?");
      expect(kafe).not.toContain('name="credit.');
      expect(kafe.match(/name="fields\.credit-name"/g)).toHaveLength(1);
      expect(textOf(kafe)).toContain("We credit you under this name; leave it empty to stay anonymous.");
      const kulupu = (await openForm(t.app, "/p/kulupu/report")).html;
      expect(kulupu).not.toContain('name="credit.');
      expect(textOf(kulupu)).toContain("Your name (required)");
      // A template without credit fields keeps the separate choice.
      const privacytools = (await openForm(t.app, "/p/privacytools/report")).html;
      expect(privacytools).toContain("How should we credit you?");
      expect(privacytools).toContain('name="credit.mode"');
    });

    it("from the form are stored as the credit choice, once, and shown as the credit", async () => {
      const response = await postForm(
        "kafe",
        text({ ...KAFE, "fields.credit-name": "Ada Lovelace", "fields.credit-link": "https://ada.example" }),
      );
      expect(response.statusCode).toBe(303);
      const token = tokenFrom(String(response.headers.location));
      const found = await caseOfToken(token);
      expect(found.report.credit).toEqual({
        mode: "name",
        name: "Ada Lovelace",
        link: "https://ada.example",
      });
      expect(Object.keys(found.report.fields).sort()).toEqual(["location-impact", "steps"]);

      const reporterPage = textOf((await t.app.inject({ method: "GET", url: `/r/${token}` })).body);
      expect(reporterPage).toContain("Credit Ada Lovelace");
      expect(reporterPage).not.toContain("Your name or handle");
      const staffPage = textOf((await kafeViewer.browser.get(`/cases/${found.id}`)).body);
      expect(staffPage).toContain("Credit Ada Lovelace (name) · https://ada.example");
      expect(staffPage.match(/Ada Lovelace/g)).toHaveLength(1);
    });

    it("from the API are the credit choice; empty means anonymous; the older credit object still works", async () => {
      const named = await postApi("kafe", {
        ...KAFE_JSON,
        fields: { ...KAFE_JSON.fields, "credit-name": "grace", "credit-link": "https://grace.example" },
        credit: { mode: "handle" },
      });
      expect(named.statusCode).toBe(201);
      expect((await staffCase(named.json().id)).report.credit).toEqual({
        mode: "handle",
        name: "grace",
        link: "https://grace.example",
      });

      const anonymous = await postApi("kafe", KAFE_JSON);
      expect(anonymous.statusCode).toBe(201);
      expect((await staffCase(anonymous.json().id)).report.credit).toEqual({ mode: "anonymous" });

      const older = await postApi("kafe", { ...KAFE_JSON, credit: { mode: "name", name: "Grace" } });
      expect(older.statusCode).toBe(201);
      expect((await staffCase(older.json().id)).report.credit).toEqual({ mode: "name", name: "Grace" });
    });

    it("are checked where they were typed: a required name, a link without a name, a long name", async () => {
      const kulupu = await postApi("kulupu", {
        title: "Consensus bug",
        fields: { description: "A bug.", components: "node", reproduction: "Run it." },
      });
      expect(kulupu.statusCode).toBe(400);
      expect(kulupu.json().fields).toContainEqual({ field: "fields.name", message: "Your name is required" });

      const linkOnly = await postApi("kafe", {
        ...KAFE_JSON,
        fields: { ...KAFE_JSON.fields, "credit-link": "https://ada.example" },
      });
      expect(linkOnly.statusCode).toBe(400);
      expect(linkOnly.json().fields).toEqual([
        {
          field: "fields.credit-name",
          message: "Your name or handle: a name or handle to credit with the link, or leave the link empty",
        },
      ]);

      const before = await caseCount();
      const long = await postForm("kafe", text({ ...KAFE, "fields.credit-name": "x".repeat(201) }));
      expect(long.statusCode).toBe(400);
      expect(long.body).toContain('id="f-fields-credit-name-error"');
      expect(long.body).toContain("at most 200 characters");
      expect(long.body).toContain("remote code execution on the deploy host");
      expect(await caseCount()).toBe(before);
    });
  });

  it("the form says how the report is protected, and how to encrypt it for mail when that is required", async () => {
    const kafe = textOf((await openForm(t.app, "/p/kafe/report")).html);
    expect(kafe).toContain(
      "Your report and its files travel to us encrypted (HTTPS) and are stored encrypted (at rest, with AES-256-GCM)",
    );
    expect(kafe).not.toContain("requires reports to be encrypted");
    // Kulupu: `encryption.reports: required`, its key published as a link, one report address.
    const kulupu = await openForm(t.app, "/p/kulupu/report");
    expect(textOf(kulupu.html)).toContain(
      "Kulupu requires reports to be encrypted. This form is, on the way and at rest. To report by mail instead, " +
        "encrypt your message with OpenPGP to Kulupu's key, https://that.world/~wei/pubkey.gpg (saved as key.asc: " +
        "gpg --armor --encrypt --recipient-file key.asc report.txt ), and send it to wei@kulupu.example.",
    );
    expect(kulupu.html).toContain('<a href="https://that.world/~wei/pubkey.gpg">');
    expect(textOf(kulupu.html)).toContain("You should encrypt your report using our public key.");
  });

  describe("Kafe's proof-of-concept file", () => {
    it("is a file input of its own on the form", async () => {
      const { html } = await openForm(t.app, "/p/kafe/report");
      expect(html).toMatch(/<input type="file" id="f-fields-poc" name="fields\.poc"/);
      expect(textOf(html)).toContain("Proof of concept (optional)");
      expect(textOf(html)).toContain("Attachments (optional) Screenshots, logs: up to");
      const strict = await openForm(t.app, "/p/kafe-strict/report");
      expect(strict.html).toMatch(/<input type="file" id="f-fields-poc" name="fields\.poc" required/);
    });

    it("from the form is stored encrypted, bound to its field, and staff download it", async () => {
      const notes = Buffer.from("a screenshot, say");
      const response = await postForm("kafe", [
        ...text(KAFE),
        { name: "fields.poc", filename: "poc.py", type: "text/x-python", data: POC },
        { name: "attachments", filename: "notes.txt", data: notes },
      ]);
      expect(response.statusCode).toBe(303);
      const token = tokenFrom(String(response.headers.location));
      const { id } = await caseOfToken(token);
      const found = await staffCase(id);
      expect(found.report.fields.poc).toBe("poc.py");
      expect(found.attachments.map((file) => file.filename)).toEqual(["poc.py", "notes.txt"]);
      const bound = fileAnswerAttachments(
        t.programs.get("kafe")!.policy,
        found.report.fields,
        found.attachments,
      );
      expect(bound.get("poc")?.filename).toBe("poc.py");

      // Encrypted at rest: the stored bytes are not the file's.
      const rows = await t.store.db
        .selectFrom("attachments")
        .select(["id", "data"])
        .where("case_id", "=", id)
        .execute();
      const stored = rows.find((row) => row.id === bound.get("poc")?.id);
      expect(Buffer.from(stored!.data).includes(POC)).toBe(false);

      const page = await kafeViewer.browser.get(`/cases/${id}`);
      expect(textOf(page.body)).toContain("Proof of concept poc.py");
      // Under its field, the answer is the file to download.
      expect(page.body).toContain(
        `<h3>Proof of concept</h3><p><a href="/cases/${id}/attachments/${bound.get("poc")?.id}" download>poc.py</a>`,
      );
      const download = await kafeViewer.browser.get(`/cases/${id}/attachments/${bound.get("poc")?.id}`);
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(POC)).toBe(true);
      expect(download.headers["content-disposition"]).toMatch(/^attachment; filename="poc.py"/);
      // The reporter sees it under the field too.
      expect(textOf((await t.app.inject({ method: "GET", url: `/r/${token}` })).body)).toContain(
        "Proof of concept poc.py",
      );
    });

    it("left empty, as browsers send an unused file input, answers nothing", async () => {
      const empty = {
        name: "fields.poc",
        filename: "",
        type: "application/octet-stream",
        data: Buffer.alloc(0),
      };
      const response = await postForm("kafe", [
        ...text(KAFE),
        empty,
        { name: "attachments", filename: "notes.txt", data: Buffer.from("notes") },
      ]);
      expect(response.statusCode).toBe(303);
      const found = await staffCase((await caseOfToken(tokenFrom(String(response.headers.location)))).id);
      expect(found.report.fields.poc).toBeUndefined();
      expect(found.attachments.map((file) => file.filename)).toEqual(["notes.txt"]);
      const strict = await postForm("kafe-strict", [...text(KAFE), empty]);
      expect(strict.statusCode).toBe(400);
      expect(strict.body).toContain("Proof of concept is required: attach a file");
    });

    it("from the API is an attachment naming the field", async () => {
      const response = await postApi("kafe", {
        ...KAFE_JSON,
        attachments: [
          { filename: "trace.txt", dataBase64: b64(Buffer.from("trace")) },
          { filename: "poc.py", contentType: "text/x-python", dataBase64: b64(POC), field: "poc" },
        ],
      });
      expect(response.statusCode).toBe(201);
      const id = response.json().id as string;
      const found = await staffCase(id);
      expect(found.report.fields.poc).toBe("poc.py");
      // The field's file first, so a plain attachment of the same name could never take its place.
      expect(found.attachments.map((file) => file.filename)).toEqual(["poc.py", "trace.txt"]);
      const bound = fileAnswerAttachments(
        t.programs.get("kafe")!.policy,
        found.report.fields,
        found.attachments,
      );
      const download = await kafeViewer.browser.get(`/cases/${id}/attachments/${bound.get("poc")?.id}`);
      expect(download.rawPayload.equals(POC)).toBe(true);
      expect(textOf((await kafeViewer.browser.get(`/cases/${id}`)).body)).toContain(
        "Proof of concept poc.py",
      );
    });

    it("when required and missing, is refused with a clear error and every answer is kept", async () => {
      const before = await caseCount();
      const form = await postForm("kafe-strict", [
        ...text({ ...KAFE, asset: "", "fields.credit-name": "Ada", "contact.email": "ada@example.net" }),
        { name: "attachments", filename: "notes.txt", data: Buffer.from("notes") },
      ]);
      expect(form.statusCode).toBe(400);
      expect(form.body).toContain('id="f-fields-poc-error"');
      expect(form.body).toContain("Proof of concept is required: attach a file");
      expect(form.body).toContain('value="Heap overflow in the deploy task parser"');
      expect(form.body).toContain("remote code execution on the deploy host");
      expect(form.body).toContain("2. run kafe deploy");
      expect(form.body).toContain('value="Ada"');
      expect(form.body).toContain('value="ada@example.net"');
      expect(form.body).toContain("Browsers cannot keep attached files: please attach them again.");

      const api = await postApi("kafe-strict", KAFE_JSON);
      expect(api.statusCode).toBe(400);
      expect(api.json()).toMatchObject({
        error: "invalid_report",
        fields: [{ field: "fields.poc", message: "Proof of concept is required: attach a file" }],
      });
      expect(await caseCount()).toBe(before);

      const withFile = await postApi("kafe-strict", {
        ...KAFE_JSON,
        attachments: [{ filename: "poc.py", dataBase64: b64(POC), field: "poc" }],
      });
      expect(withFile.statusCode).toBe(201);
    });
  });

  describe("attacks on the binding", () => {
    const refusedForm = async (parts: Part[], field: string, message: string) => {
      const before = await caseCount();
      const response = await postForm("kafe", [...text(KAFE), ...parts]);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(message);
      // Beside its input; a field the form does not have is named in the list of problems only.
      const known = t.programs
        .get("kafe")!
        .policy.reportTemplate.fields.some((f) => `fields.${f.id}` === field);
      if (known) expect(response.body).toContain(`id="f-${field.replace(/[^a-zA-Z0-9-]/g, "-")}-error"`);
      else expect(response.body).toMatch(/role="alert"[\s\S]*no such field/);
      expect(response.body).toContain("remote code execution on the deploy host");
      expect(await caseCount()).toBe(before);
    };
    const refusedApi = async (body: unknown, field: string, message: string) => {
      const before = await caseCount();
      const response = await postApi("kafe", body);
      expect(response.statusCode).toBe(400);
      expect(response.json().fields).toContainEqual({ field, message });
      expect(await caseCount()).toBe(before);
    };

    it("a file field answered with text", async () => {
      const message =
        'Proof of concept takes a file, not text: attach it (in the API, an attachment with "field": "poc")';
      await refusedForm(
        [{ name: "fields.poc", value: "print('pwned')" }],
        "fields.poc",
        "Proof of concept takes a file, not text",
      );
      await refusedApi(
        { ...KAFE_JSON, fields: { ...KAFE_JSON.fields, poc: "print('pwned')" } },
        "fields.poc",
        message,
      );
      // And a file sent with it changes nothing: the text is still refused.
      await refusedApi(
        {
          ...KAFE_JSON,
          fields: { ...KAFE_JSON.fields, poc: "poc.py" },
          attachments: [{ filename: "poc.py", dataBase64: b64(POC), field: "poc" }],
        },
        "fields.poc",
        message,
      );
    });

    it("a text field answered with a file", async () => {
      await refusedForm(
        [{ name: "fields.steps", filename: "steps.txt", data: Buffer.from("steps") }],
        "fields.steps",
        "Steps to reproduce takes text, not a file",
      );
      await refusedApi(
        {
          ...KAFE_JSON,
          attachments: [{ filename: "steps.txt", dataBase64: b64(Buffer.from("x")), field: "steps" }],
        },
        "fields.steps",
        "Steps to reproduce takes text, not a file",
      );
    });

    it("a field id that does not exist", async () => {
      await refusedForm(
        [{ name: "fields.nope", filename: "x.txt", data: Buffer.from("x") }],
        "fields.nope",
        "this program's form has no such field",
      );
      await refusedApi(
        {
          ...KAFE_JSON,
          attachments: [{ filename: "x.txt", dataBase64: b64(Buffer.from("x")), field: "nope" }],
        },
        "fields.nope",
        "this program's form has no such field",
      );
      // Not an id at all: the schema refuses it before anything is read into the template.
      const traversal = await postApi("kafe", {
        ...KAFE_JSON,
        attachments: [{ filename: "x.txt", dataBase64: b64(Buffer.from("x")), field: "../poc" }],
      });
      expect(traversal.statusCode).toBe(400);
      expect(traversal.json().fields).toContainEqual(
        expect.objectContaining({ field: "attachments.0.field" }),
      );
    });

    it("an oversized file", async () => {
      const big = Buffer.alloc(t.config.limits.attachmentBytes + 1, 1);
      const before = await caseCount();
      const form = await postForm("kafe", [
        ...text(KAFE),
        { name: "fields.poc", filename: "big.bin", data: big },
      ]);
      expect(form.statusCode).toBe(413);
      const api = await postApi("kafe", {
        ...KAFE_JSON,
        attachments: [{ filename: "big.bin", dataBase64: b64(big), field: "poc" }],
      });
      expect(api.statusCode).toBe(413);
      expect(await caseCount()).toBe(before);
    });

    it("a path-traversal file name is stored as its last part, in the answer too", async () => {
      const form = await postForm("kafe", [
        ...text(KAFE),
        { name: "fields.poc", filename: "../../../etc/cron.d/poc.py", data: POC },
      ]);
      expect(form.statusCode).toBe(303);
      const { id } = await caseOfToken(tokenFrom(String(form.headers.location)));
      const api = await postApi("kafe", {
        ...KAFE_JSON,
        attachments: [{ filename: "..\\..\\windows\\poc.py", dataBase64: b64(POC), field: "poc" }],
      });
      expect(api.statusCode).toBe(201);
      for (const caseId of [id, api.json().id as string]) {
        const found = await staffCase(caseId);
        expect(found.report.fields.poc).toBe("poc.py");
        expect(found.attachments.map((file) => file.filename)).toEqual(["poc.py"]);
        const download = await kafeViewer.browser.get(
          `/cases/${caseId}/attachments/${found.attachments[0]?.id}`,
        );
        expect(download.headers["content-disposition"]).toMatch(/^attachment; filename="poc.py"/);
      }
    });

    it("a file part without a file name", async () => {
      // busboy takes an application/octet-stream part for a file even without a name.
      const nameless = { name: "fields.poc", filename: null, type: "application/octet-stream" };
      const empty = await postForm("kafe", [...text(KAFE), { ...nameless, data: Buffer.alloc(0) }]);
      expect(empty.statusCode).toBe(303);
      const emptyCase = await staffCase((await caseOfToken(tokenFrom(String(empty.headers.location)))).id);
      expect(emptyCase.report.fields.poc).toBeUndefined();
      expect(emptyCase.attachments).toEqual([]);
      // With bytes it is kept, but as a plain attachment: a nameless file answers no field.
      const full = await postForm("kafe", [...text(KAFE), { ...nameless, data: POC }]);
      expect(full.statusCode).toBe(303);
      const fullCase = await staffCase((await caseOfToken(tokenFrom(String(full.headers.location)))).id);
      expect(fullCase.report.fields.poc).toBeUndefined();
      expect(fullCase.attachments.map((file) => [file.filename, file.size])).toEqual([
        ["attachment", POC.length],
      ]);
    });

    it("duplicate field names in multipart", async () => {
      const poc = (filename: string) => ({ name: "fields.poc", filename, data: POC });
      await refusedForm([poc("a.py"), poc("b.py")], "fields.poc", "Proof of concept takes one file");
      await refusedForm(
        [poc("a.py"), { name: "fields.poc", value: "and text" }],
        "fields.poc",
        "Proof of concept takes a file, not text",
      );
      const { "fields.steps": _, ...withoutSteps } = KAFE;
      const before = await caseCount();
      const twice = await postForm("kafe", [
        ...text(withoutSteps),
        { name: "fields.steps", value: "the real steps" },
        { name: "fields.steps", value: "other steps" },
      ]);
      expect(twice.statusCode).toBe(400);
      expect(twice.body).toContain("This answer was sent more than once: send it once.");
      expect(await caseCount()).toBe(before);
      await refusedApi(
        {
          ...KAFE_JSON,
          attachments: [
            { filename: "a.py", dataBase64: b64(POC), field: "poc" },
            { filename: "b.py", dataBase64: b64(POC), field: "poc" },
          ],
        },
        "fields.poc",
        "Proof of concept takes one file: send any others as attachments of their own",
      );
    });
  });
});
