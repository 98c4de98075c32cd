import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadedPolicy } from "../../src/policy/loader.js";
import { PolicySchema } from "../../src/policy/schema.js";
import { runEmbargo } from "../support/cli.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * The public policy (page, SECURITY.md, policy.json) says what the reporter is promised; the
 * team's view (/admin/policies/{program}) says everything. What only the team sees is read from
 * each example policy itself, so a new example or a new internal value is checked as well.
 */
function teamOnlyTexts(policy: LoadedPolicy["policy"]): string[] {
  const names = new Map(policy.contacts.map((c) => [c.id, c.email ?? c.name]));
  const texts: string[] = [];
  for (const rule of policy.escalation) {
    if (rule.breach.message !== undefined) texts.push(rule.breach.message);
    // Who hears of the breach, as the chain names them: "we alert help@…".
    texts.push(`we alert ${rule.breach.notify.map((id) => names.get(id) ?? `the ${id}`).join(", ")}`);
    if (rule.warn !== undefined) texts.push(`at ${rule.warn.atPercent}% of the time we remind`);
  }
  for (const phase of policy.incident.phases) {
    for (const q of phase.questions)
      texts.push(q.question, ...(q.guidance === undefined ? [] : [q.guidance]));
    texts.push(...phase.tasks, ...(phase.relatedCasesTask === undefined ? [] : [phase.relatedCasesTask]));
  }
  const register = policy.incident.register;
  if (register !== undefined) {
    if (register.sourceTags.length > 0) texts.push(register.sourceTags.join(", "));
    if (register.resolutionRequires.length > 0) texts.push(register.resolutionRequires.join("; "));
    if (register.problemManagement !== undefined) texts.push(register.problemManagement.action);
  }
  for (const hook of policy.notifications.webhooks) {
    texts.push(...(hook.urlFromEnv === undefined ? [] : [hook.urlFromEnv]));
  }
  for (const group of policy.team.groups ?? []) texts.push(group.name);
  return texts;
}

describe.each(databases)("the policy's audiences ($name)", (database) => {
  let t: TestApp;
  let admin: CreatedStaff;
  beforeAll(async () => {
    t = await startTestApp(database.open);
    admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("keeps each example's escalation chain, remarks and team checklists off its public page, SECURITY.md and policy.json", async () => {
    const programs = t.programs.all();
    // Not vacuous: the examples do have an escalation chain, remarks and a register to hide.
    expect(programs.flatMap((loaded) => teamOnlyTexts(loaded.policy)).length).toBeGreaterThan(10);
    for (const loaded of programs) {
      const slug = loaded.policy.program.slug;
      const page = await t.app.inject({ method: "GET", url: `/p/${slug}` });
      expect(page.statusCode).toBe(200);
      const render = async (format: string) => {
        const args = ["policy", "render", loaded.file, "--format", format, "--public-url", PUBLIC_URL];
        const result = await runEmbargo([...args, "--now", "2026-11-25T00:00:00Z"]);
        expect(result.code, result.stderr).toBe(0);
        return result.stdout;
      };
      const markdown = (await render("security.md")).replaceAll("\\", "");
      const json = await render("json");
      for (const published of [textOf(page.body), markdown, json]) {
        for (const text of teamOnlyTexts(loaded.policy)) expect(published, slug).not.toContain(text);
      }
      const parsed = JSON.parse(json) as Record<string, unknown>;
      expect(parsed).not.toHaveProperty("escalation");
      expect(parsed).not.toHaveProperty("notifications");
      expect(parsed).not.toHaveProperty("team");
      expect(parsed).not.toHaveProperty("disclosure.advisories");
      // Still a policy: what it leaves out reads as the schema's defaults.
      expect(PolicySchema.safeParse(parsed).success).toBe(true);
    }
  });

  it("shows the whole policy, escalation and all, to the team at /admin/policies/{program}", async () => {
    const list = await admin.browser.get("/admin/policies");
    expect(list.body).toContain('href="/admin/policies/kitsu"');
    for (const loaded of t.programs.all()) {
      const slug = loaded.policy.program.slug;
      const page = await admin.browser.get(`/admin/policies/${slug}`);
      expect(page.statusCode).toBe(200);
      expect(page.headers["cache-control"]).toBe("no-store");
      const text = textOf(page.body);
      for (const internal of teamOnlyTexts(loaded.policy)) expect(text, slug).toContain(internal);
      // …and what the public page promises.
      for (const contact of loaded.policy.contacts) expect(text).toContain(contact.name);
    }
  });

  it("shows the team's view to the program's members only; others are told it does not exist", async () => {
    const kitsuViewer = await createStaff(t, {
      email: "viewer@kitsu.example",
      role: "viewer",
      program: "kitsu",
    });
    expect((await kitsuViewer.browser.get("/admin/policies/kitsu")).statusCode).toBe(200);
    const hidden = await kitsuViewer.browser.get("/admin/policies/kafe");
    expect(hidden.statusCode).toBe(404);
    expect(textOf(hidden.body)).not.toContain("When we are late");
    expect((await admin.browser.get("/admin/policies/no-such-program")).statusCode).toBe(404);
    expect((await admin.browser.get(`/admin/policies/${"x".repeat(65)}`)).statusCode).toBe(400);
    const signedOut = await t.app.inject({ method: "GET", url: "/admin/policies/kitsu" });
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toMatch(/^\/login/);
  });
});

describe("the policy page behind plain http", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(databases[0]!.open, { publicUrl: "http://127.0.0.1:8080" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("links the report form by its path, never '#', and shows the call to action as a button", async () => {
    const page = await t.app.inject({ method: "GET", url: "/p/kitsu" });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('href="#"');
    expect(page.body).toContain(
      'Private report form: <a href="/p/kitsu/report">http://127.0.0.1:8080/p/kitsu/report</a>',
    );
    expect(page.body).toMatch(
      /<a href="\/p\/kitsu\/report" class="button">Report a vulnerability privately<\/a>/,
    );
    const css = await t.app.inject({ method: "GET", url: "/assets/embargo.css" });
    expect(css.body).toMatch(/a\.button \{[^}]*background: var\(--accent\);[^}]*text-decoration: none;/);
  });

  it("renders the standalone HTML for an http deployment with a working report form link", async () => {
    const file = t.programs.get("kitsu")!.file;
    const args = ["policy", "render", file, "--format", "html", "--public-url", "http://127.0.0.1:8080"];
    const result = await runEmbargo([...args, "--now", "2026-11-25T00:00:00Z"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('href="#"');
    expect(result.stdout).toContain('<a href="http://127.0.0.1:8080/p/kitsu/report">');
  });
});
