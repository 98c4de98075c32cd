import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp, tokenFrom } from "../support/web.js";

/**
 * reportTemplate.fields[].choices through the doors reporters use: the web form (multipart,
 * JavaScript off) and the JSON API. The `choices` program (test/fixtures/policies/choice-fields)
 * asks for a required severity (Low, Medium, High) and an optional impact.
 */
const POLICIES = "test/fixtures/policies/choice-fields";
const SEVERITIES = ["Low", "Medium", "High"];
const IMPACTS = ["Data exposure", "Denial of service", "Account takeover"];
const SEVERITY_ERROR = "choose one of: Low, Medium, High";
const TITLE = "Password reset tokens never expire";
const DESCRIPTION = "A reset link from last year still logs in.";

interface Option {
  value: string;
  selected: boolean;
}

/** The options of the one `<select>` named `name` in a page (preact writes `value` bare when empty). */
function selectOptions(html: string, name: string): Option[] {
  expect(html.split(`name="${name}"`)).toHaveLength(2);
  const select = new RegExp(`<select[^>]* name="${name}"[^>]*>(.*?)</select>`, "s").exec(html)?.[1];
  if (select === undefined) throw new Error(`no select named ${name}`);
  return [...select.matchAll(/<option value(?:="([^"]*)")?( selected)?>/g)].map((match) => ({
    value: match[1] ?? "",
    selected: match[2] !== undefined,
  }));
}

/** The text of the error shown beside a form field, if any. */
function errorBeside(html: string, fieldId: string): string | undefined {
  return new RegExp(`<p class="error" id="${fieldId}-error">([^<]*)</p>`).exec(html)?.[1];
}

describe.each(databases)("choice fields of the report template, on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open, {}, { policies: POLICIES });
  });
  afterAll(async () => {
    await t.close();
  });

  async function submitForm(fields: Record<string, string>) {
    const form = await openForm(t.app, "/p/choices/report");
    const body = await multipart({ _csrf: form.csrf, ...fields });
    return t.app.inject({
      method: "POST",
      url: "/p/choices/report",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
  }
  const postJson = (fields: Record<string, string>) =>
    t.app.inject({
      method: "POST",
      url: "/api/v1/programs/choices/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ title: TITLE, fields, contact: { email: "ada@example.org" } }),
    });

  it("the form offers exactly the policy's choices, each as a select with an empty first option", async () => {
    const { html } = await openForm(t.app, "/p/choices/report");
    const unselected = (values: string[]) => values.map((value) => ({ value, selected: false }));
    expect(selectOptions(html, "fields.severity")).toEqual(unselected(["", ...SEVERITIES]));
    expect(selectOptions(html, "fields.impact")).toEqual(unselected(["", ...IMPACTS]));
    expect(html).toMatch(/<select id="f-fields-severity" name="fields\.severity" required/);
    expect(html).not.toMatch(/<select id="f-fields-impact" name="fields\.impact" required/);
  });

  it("the form refuses an answer outside the choices, with the field's error, and keeps the other answers", async () => {
    const refused = await submitForm({
      title: TITLE,
      "fields.description": DESCRIPTION,
      "fields.severity": "Critical",
      "fields.impact": "Denial of service",
      "contact.email": "ada@example.org",
    });
    expect(refused.statusCode).toBe(400);
    expect(errorBeside(refused.body, "f-fields-severity")).toBe(SEVERITY_ERROR);
    expect(refused.body.match(/<p class="error"/g)).toHaveLength(1);
    expect(refused.body).toContain(`value="${TITLE}"`);
    expect(refused.body).toContain(`>${DESCRIPTION}</textarea>`);
    expect(refused.body).toContain('value="ada@example.org"');
    expect(selectOptions(refused.body, "fields.impact").filter((option) => option.selected)).toEqual([
      { value: "Denial of service", selected: true },
    ]);
    // The refused answer is not offered back as if it were a choice.
    expect(selectOptions(refused.body, "fields.severity").map((option) => option.value)).toEqual([
      "",
      ...SEVERITIES,
    ]);

    const taken = await submitForm({
      title: TITLE,
      "fields.description": DESCRIPTION,
      "fields.severity": "High",
      "contact.email": "ada@example.org",
    });
    expect(taken.statusCode).toBe(303);
    const page = await t.app.inject({
      method: "GET",
      url: `/r/${tokenFrom(String(taken.headers.location))}`,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h3>Severity</h3><pre class="answer">High</pre>');
  });

  it("the API refuses an answer outside the choices, naming only that field, and keeps a choice as spelled", async () => {
    for (const outside of ["Critical", "high", "Low, High"]) {
      const refused = await postJson({
        description: DESCRIPTION,
        severity: outside,
        impact: "Data exposure",
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().fields).toEqual([{ field: "fields.severity", message: SEVERITY_ERROR }]);
    }
    const badImpact = await postJson({ description: DESCRIPTION, severity: "Low", impact: "Remote code" });
    expect(badImpact.statusCode).toBe(400);
    expect(badImpact.json().fields).toEqual([
      { field: "fields.impact", message: `choose one of: ${IMPACTS.join(", ")}` },
    ]);

    for (const severity of SEVERITIES) {
      const taken = await postJson({ description: DESCRIPTION, severity });
      expect(taken.statusCode).toBe(201);
    }
    // Spaces around a choice are forgiven, and the case keeps the choice itself.
    const spaced = await postJson({ description: DESCRIPTION, severity: "  Medium\n" });
    expect(spaced.statusCode).toBe(201);
    const { reporterUrl } = spaced.json() as { reporterUrl: string };
    const page = await t.app.inject({ method: "GET", url: `/r/${tokenFrom(reporterUrl)}` });
    expect(page.body).toContain('<h3>Severity</h3><pre class="answer">Medium</pre>');
  });
});
