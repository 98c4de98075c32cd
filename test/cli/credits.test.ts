import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm } from "../support/workspace.js";

/**
 * `embargo credits --program kafe [--since …]`: the acknowledgments snippet for Kafe's source
 * repository, read from the database the web app wrote (the same master key), by the policy's
 * rules: a duplicate, an anonymous reporter and a case not yet published are left out.
 */
async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-credits-cli-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const KAFE_FIELDS = { "location-impact": "The admin page.", steps: "Open it." };
const EVIL = "<b>Mallory</b> [x](javascript:alert(1)) *bold* # `code`";

describe.each(databases)("embargo credits on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let t: TestApp;
  let lead: CreatedStaff;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    const masterKey = randomBytes(32);
    t = await startTestApp(() => openDatabase(shared.url), {}, { masterKey });
    t.clock.set(new Date("2026-12-02T10:00:00Z"));
    lead = await createStaff(t, { email: "lead@kafe.example", role: "admin" });
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_SECRET_KEY: masterKey.toString("base64"),
    };
  });
  afterEach(async () => {
    await t.close();
    await shared.drop();
  });

  const report = (name: string, link?: string) =>
    fileReport(t, "kafe", {
      fields: { ...KAFE_FIELDS, "credit-name": name, ...(link === undefined ? {} : { "credit-link": link }) },
    });
  const move = async (id: string, ...states: string[]) => {
    for (const to of states)
      expect((await postCaseForm(lead, id, "transition", { to })).statusCode).toBe(303);
  };
  const disclose = (id: string) => move(id, "triaged", "in-progress", "fixed", "disclosed");

  it("prints the escaped snippet of credited reporters, newest first, and --since keeps the later ones", async () => {
    const ada = await report("Ada Lovelace", "https://ada.example");
    const mallory = await report(EVIL, "http://mallory.example");
    const duplicate = await report("Brian Duplicate");
    const carol = await report("Carol Hidden");
    const pending = await report("Dan Pending");
    expect(
      (
        await postCaseForm(lead, duplicate.id, "transition", {
          to: "closed",
          outcome: "duplicate",
          "duplicate-of": ada.id,
        })
      ).statusCode,
    ).toBe(303);
    // Carol changes her mind from her page before publication.
    const form = await openForm(t.app, `/r/${carol.token}`);
    const changed = await t.app.inject({
      method: "POST",
      url: `/r/${carol.token}/credit`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, mode: "anonymous", name: "", link: "" }).toString(),
    });
    expect(changed.statusCode).toBe(303);
    expect(
      (await postCaseForm(lead, ada.id, "identifiers", { "cve-id": "CVE-2026-41234", aliases: "" }))
        .statusCode,
    ).toBe(303);
    await disclose(ada.id);
    await disclose(carol.id);
    await move(pending.id, "triaged", "in-progress");
    await later(t, { at: new Date("2027-01-15T10:00:00Z") }, lead);
    await disclose(mallory.id);

    const all = await runEmbargo(["credits", "--program", "kafe"], { env });
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(
      [
        "## Security acknowledgments",
        "",
        "- \\<b\\>Mallory\\</b\\> \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\*bold\\* \\# \\`code\\` — January 2027",
        "- [Ada Lovelace](https://ada.example/) — CVE-2026-41234",
        "",
      ].join("\n"),
    );
    expect(all.stdout).not.toMatch(/Brian|Carol|Dan|mallory\.example/);

    const since = await runEmbargo(
      ["credits", "--program", "kafe", "--since", "2027-01-01", "--format", "markdown"],
      {
        env,
      },
    );
    expect(since.code).toBe(0);
    expect(since.stdout).toContain("— January 2027");
    expect(since.stdout).not.toContain("Ada Lovelace");
  });

  it("refuses a bad date, an unknown format, a program without credit and an unknown program", async () => {
    const badDate = await runEmbargo(["credits", "--program", "kafe", "--since", "2027-02-30"], { env });
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr).toContain("a date as YYYY-MM-DD");
    const badFormat = await runEmbargo(["credits", "--program", "kafe", "--format", "html"], { env });
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toContain('the only format is "markdown"');
    const noCredit = await runEmbargo(["credits", "--program", "privacytools"], { env });
    expect(noCredit.code).toBe(1);
    expect(noCredit.stderr).toContain("privacytools's policy promises no credit");
    const unknown = await runEmbargo(["credits", "--program", "nope"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no program "nope"');
    const empty = await runEmbargo(["credits", "--program", "kafe"], { env });
    expect(empty.stdout).toBe("## Security acknowledgments\n\nNo reporters to credit yet.\n");
  });
});
