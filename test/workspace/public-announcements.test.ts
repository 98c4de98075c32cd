import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyAuditChains } from "../../src/store/audit.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kitsu's "Remediation ends in a public announcement" (`disclosure.publicAnnouncement`,
 * `incident.phases[].endsWithPublicAnnouncement`): a draft on the case, approved by a second
 * member of the team, published at /p/{program}/announcements/{slug} and in the program's Atom
 * feed, never before the case's disclosure date. Everything through the doors people use: the
 * case page's forms and the public pages.
 */

const T0 = new Date("2026-12-08T10:00:00Z");
const TITLE = "Profile bios no longer run scripts";
const SLUG = "profile-bios-no-longer-run-scripts";
const BODY = [
  "We fixed **stored XSS** in profile bios; thanks to *Ada* for the report.",
  "",
  "- Nothing to do: kitsu.io is updated.",
  "- Details: [the release](https://kitsu.io/releases/2026-12)",
].join("\n");

// ---------------------------------------------------------------------------------------------
// A strict little XML reader for the feed: one root, tags that close in order, quoted attributes,
// only the five named entities and character references; anything else throws.

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decodeXml(raw: string): string {
  if (raw.includes("<")) throw new Error(`raw < in ${raw}`);
  const [first = "", ...rest] = raw.split("&");
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
  return (
    first +
    rest
      .map((part) => {
        const ref = /^(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/.exec(part);
        if (ref === null) throw new Error(`bare & before ${part.slice(0, 20)}`);
        const name = ref[1] ?? "";
        const char = name.startsWith("#x")
          ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
          : name.startsWith("#")
            ? String.fromCodePoint(Number(name.slice(1)))
            : (named[name] ?? "");
        return char + part.slice(ref[0].length);
      })
      .join("")
  );
}

function parseXml(xml: string): XmlElement {
  const prolog = /^<\?xml version="1\.0" encoding="utf-8"\?>\s*/.exec(xml);
  if (prolog === null) throw new Error("no XML declaration");
  let at = prolog[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < xml.length) {
    const rest = xml.slice(at);
    const close = /^<\/([\w:-]+)>/.exec(rest);
    const open = /^<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/.exec(rest);
    if (close !== null) {
      const element = stack.pop();
      if (element?.name !== close[1]) throw new Error(`</${close[1]}> closes <${element?.name}>`);
      if (stack.length === 0) root = element;
      at += close[0].length;
    } else if (open !== null) {
      if (root !== undefined) throw new Error("a second root element");
      const attributes: Record<string, string> = {};
      for (const [, name = "", value = ""] of (open[2] ?? "").matchAll(/([\w:-]+)="([^"]*)"/g))
        attributes[name] = decodeXml(value);
      const element: XmlElement = { name: open[1] ?? "", attributes, children: [], text: "" };
      stack.at(-1)?.children.push(element);
      if (open[3] === "/") {
        if (stack.length === 0) root = element;
      } else stack.push(element);
      at += open[0].length;
    } else if (rest.startsWith("<")) {
      throw new Error(`malformed tag at ${rest.slice(0, 40)}`);
    } else {
      const end = xml.indexOf("<", at);
      const raw = xml.slice(at, end === -1 ? undefined : end);
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (raw.trim() !== "") throw new Error("text outside the root element");
      } else parent.text += decodeXml(raw);
      at = end === -1 ? xml.length : end;
    }
  }
  if (root === undefined || stack.length > 0) throw new Error("unclosed elements");
  return root;
}

const child = (element: XmlElement, name: string): XmlElement => {
  const found = element.children.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`<${element.name}> has no <${name}>`);
  return found;
};
const links = (element: XmlElement) =>
  Object.fromEntries(
    element.children
      .filter((candidate) => candidate.name === "link")
      .map((link) => [link.attributes.rel, link.attributes.href]),
  );
/**
 * What in `html` is not one of the announcement's elements (p, ul, li, code, pre, strong, em, a,
 * and the page's own article, h1, time) with its attributes (an https href, class, datetime).
 * Every "<" of text is escaped, so each "<" left starts a real tag.
 */
function onlySafeMarkup(html: string): string[] {
  const allowed = new Set(["article", "h1", "time", "p", "ul", "li", "code", "pre", "strong", "em", "a"]);
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)]
    .filter(([, name = "", attributes = ""]) => {
      if (!allowed.has(name.toLowerCase())) return true;
      const pairs = [...attributes.matchAll(/\s+([a-z-]+)="([^"]*)"/g)];
      if (pairs.map((pair) => pair[0]).join("") !== attributes.trimEnd()) return true;
      return pairs.some(
        ([, attribute = "", value = ""]) =>
          !(
            attribute === "class" ||
            attribute === "datetime" ||
            (attribute === "href" && /^(https:\/\/|\/)/.test(value))
          ),
      );
    })
    .map(([tag]) => tag);
}

const isRfc3339 = (value: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value));

// ---------------------------------------------------------------------------------------------

const revisionOn = (html: string, action: string): string => {
  const form = html.split(`action="`).find((part) => part.startsWith(`/cases/`) && part.includes(action));
  const revision = /name="revision" value="(\d+)"/.exec(form ?? "")?.[1];
  if (revision === undefined) throw new Error(`no ${action} form with a revision on the page`);
  return revision;
};

describe.each(databases)("public announcements on $name", (database) => {
  let t: TestApp;
  let alice: CreatedStaff;
  let bob: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(T0);
    alice = await createStaff(t, { email: "alice@kitsu.example", role: "responder", program: "kitsu" });
    bob = await createStaff(t, { email: "bob@kitsu.example", role: "responder", program: "kitsu" });
  });
  afterEach(async () => {
    await t.close();
  });

  const draft = (who: CreatedStaff, id: string, fields: { title?: string; slug?: string; body?: string }) =>
    postCaseForm(who, id, "announcement-draft", {
      "announcement-title": fields.title ?? TITLE,
      "announcement-slug": fields.slug ?? "",
      "announcement-body": fields.body ?? BODY,
    });
  /** Approves or publishes the revision the member's case page shows. */
  const step = async (who: CreatedStaff, id: string, action: "approve" | "publish", revision?: string) => {
    const page = await who.browser.get(`/cases/${id}`);
    const shown =
      revision ?? revisionOn(page.body, `announcement-${action === "approve" ? "approve" : "publish"}`);
    return who.browser.post(`/cases/${id}/announcement-${action}`, { revision: shown });
  };
  const move = async (who: CreatedStaff, id: string, ...states: string[]) => {
    for (const to of states) {
      const moved = await postCaseForm(who, id, "transition", {
        to,
        outcome: to === "closed" ? "resolved" : "",
      });
      expect(moved.statusCode, `to ${to}`).toBe(303);
    }
  };

  it("drafts, reviews and publishes Kitsu's announcement only after the disclosure date, on its page, the list and the feed", async () => {
    const report = await fileReport(t, "kitsu");
    const drafted = await draft(alice, report.id, {});
    expect(drafted.statusCode).toBe(303);
    expect(drafted.headers.location).toBe(`/cases/${report.id}?notice=announcement`);
    const page = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Public announcement");
    expect(page).toContain("Revision 1, by alice@kitsu.example");
    expect(page).toContain(
      "Not approved: another member of the team (not its author) must approve this revision.",
    );
    expect(page).toContain(`/p/kitsu/announcements/${SLUG}`);
    expect(page).toContain("Preview: Profile bios no longer run scripts");

    const revision = revisionOn((await bob.browser.get(`/cases/${report.id}`)).body, "announcement-approve");
    const unapproved = await step(alice, report.id, "publish", revision);
    expect(unapproved.statusCode).toBe(400);
    expect(textOf(unapproved.body)).toContain(
      "The latest revision is not approved: another member of the team must approve it before it is published.",
    );
    const own = await step(alice, report.id, "approve", revision);
    expect(own.statusCode).toBe(400);
    expect(textOf(own.body)).toContain(
      "You wrote the latest revision: another member of the team must approve it.",
    );

    const approved = await step(bob, report.id, "approve");
    expect(approved.statusCode).toBe(303);
    expect(textOf((await alice.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Approved by bob@kitsu.example",
    );

    const tooSoon = await step(bob, report.id, "publish");
    expect(tooSoon.statusCode).toBe(400);
    expect(textOf(tooSoon.body)).toContain(
      "Not before the disclosure date: the case is not disclosed: the policy sets no embargo, so publish once the case is disclosed or closed as resolved.",
    );
    expect((await t.app.inject({ url: `/p/kitsu/announcements/${SLUG}` })).statusCode).toBe(404);

    await move(alice, report.id, "triaged", "in-progress", "fixed", "disclosed");
    await later(t, { hours: 2 }, alice, bob);
    const published = await step(bob, report.id, "publish");
    expect(published.statusCode).toBe(303);
    const afterwards = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(afterwards).toContain(`Published 2026-12-08 12:00 UTC at /p/kitsu/announcements/${SLUG}`);
    expect(afterwards).not.toContain("Save the draft");

    // The public page: the announcement's words and date, nothing of the case or the report.
    const pub = await t.app.inject({ url: `/p/kitsu/announcements/${SLUG}` });
    expect(pub.statusCode).toBe(200);
    expect(pub.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(pub.headers["cache-control"]).toBe("public, max-age=300");
    expect(String(pub.headers["content-security-policy"])).toContain("default-src 'none'");
    expect(pub.body).toContain(`<h1>${TITLE}</h1>`);
    expect(pub.body).toContain("<strong>stored XSS</strong>");
    expect(pub.body).toContain('<a href="https://kitsu.io/releases/2026-12">the release</a>');
    expect(pub.body).toContain('<time datetime="2026-12-08T12:00:00.000Z">2026-12-08</time>');
    for (const secret of [
      report.id,
      "The bio field renders HTML.",
      "Stored XSS in the profile page",
      "ada@example.org",
    ])
      expect(pub.body).not.toContain(secret);

    const list = await t.app.inject({ url: "/p/kitsu/announcements" });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`<a href="/p/kitsu/announcements/${SLUG}">${TITLE}</a>`);
    expect(list.body).toContain('href="/p/kitsu/announcements.atom"');
    expect(list.body).not.toContain(report.id);
    expect((await t.app.inject({ url: "/p/kitsu" })).body).toContain('href="/p/kitsu/announcements"');

    const feed = await t.app.inject({ url: "/p/kitsu/announcements.atom" });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers["content-type"]).toBe("application/atom+xml; charset=utf-8");
    expect(feed.body).not.toContain(report.id);
    const root = parseXml(feed.body);
    expect(root.name).toBe("feed");
    expect(root.attributes.xmlns).toBe("http://www.w3.org/2005/Atom");
    expect(child(root, "id").text).toBe(`${PUBLIC_URL}/p/kitsu/announcements`);
    expect(child(root, "title").text).toBe("Kitsu security announcements");
    expect(child(root, "updated").text).toBe("2026-12-08T12:00:00.000Z");
    expect(isRfc3339(child(root, "updated").text)).toBe(true);
    expect(child(child(root, "author"), "name").text).toBe("Kitsu");
    expect(links(root)).toEqual({
      self: `${PUBLIC_URL}/p/kitsu/announcements.atom`,
      alternate: `${PUBLIC_URL}/p/kitsu/announcements`,
    });
    const entries = root.children.filter((element) => element.name === "entry");
    expect(entries).toHaveLength(1);
    const [entry] = entries as [XmlElement];
    expect(child(entry, "id").text).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(child(entry, "title").text).toBe(TITLE);
    expect(isRfc3339(child(entry, "updated").text)).toBe(true);
    expect(links(entry)).toEqual({ alternate: `${PUBLIC_URL}/p/kitsu/announcements/${SLUG}` });
    const content = child(entry, "content");
    expect(content.attributes.type).toBe("html");
    expect(content.text).toContain("<p>We fixed <strong>stored XSS</strong> in profile bios;");
    expect(content.text).toContain("<li>Nothing to do: kitsu.io is updated.</li>");

    // Internal events on the case's chain, the draft encrypted like every payload.
    const found = await getCaseForStaff(t.store, t.keyring, report.id);
    const events = found?.events.filter((event) => event.type.startsWith("announcement.")) ?? [];
    expect(events.map((event) => [event.type, event.actor, event.reporterVisible])).toEqual([
      ["announcement.drafted", expect.stringMatching(/^team:/), false],
      ["announcement.approved", expect.stringMatching(/^team:/), false],
      ["announcement.published", expect.stringMatching(/^team:/), false],
    ]);
    const stored = await t.store.db
      .selectFrom("case_events")
      .select("payload_ct")
      .where("case_id", "=", report.id)
      .where("type", "like", "announcement.%")
      .execute();
    expect(stored.map((row) => row.payload_ct).join("\n")).not.toContain("Profile bios");
    expect((await verifyAuditChains(t.store, t.keyring)).ok).toBe(true);
    const reporterPage = await t.app.inject({ url: `/r/${report.token}` });
    expect(reporterPage.body).not.toContain(TITLE);
  });

  it("needs a new approval after an edit, keeps a published announcement final, and one slug per program", async () => {
    const report = await fileReport(t, "kitsu");
    expect((await draft(alice, report.id, { slug: "bios-fixed" })).statusCode).toBe(303);
    const first = revisionOn((await bob.browser.get(`/cases/${report.id}`)).body, "announcement-approve");
    expect((await step(bob, report.id, "approve")).statusCode).toBe(303);

    // Saving the same text again is no revision; an edit is, and the approval no longer counts.
    const same = await draft(alice, report.id, { slug: "bios-fixed" });
    expect(same.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);
    const edited = await draft(bob, report.id, { slug: "bios-fixed", body: `${BODY}\n\nUpdated.` });
    expect(edited.statusCode).toBe(303);
    const page = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Revision 2, by bob@kitsu.example");
    expect(page).toContain("Not approved");
    await move(alice, report.id, "triaged", "in-progress", "fixed", "closed");
    const stale = await step(alice, report.id, "publish", first);
    expect(stale.statusCode).toBe(400);
    expect(textOf(stale.body)).toContain("The draft changed since this page was loaded");
    const second = revisionOn((await alice.browser.get(`/cases/${report.id}`)).body, "announcement-approve");
    const notApproved = await step(alice, report.id, "publish", second);
    expect(textOf(notApproved.body)).toContain("The latest revision is not approved");
    // Bob wrote revision 2: Alice approves it this time.
    expect((await step(bob, report.id, "approve", second)).statusCode).toBe(400);
    expect((await step(alice, report.id, "approve")).statusCode).toBe(303);
    // Closed as resolved, without an embargo: the disclosure date has passed.
    expect((await step(alice, report.id, "publish")).statusCode).toBe(303);
    const before = (await t.app.inject({ url: "/p/kitsu/announcements/bios-fixed" })).body;
    expect(before).toContain("Updated.");

    // Published is final: no edit, no approval, no second publication; the page stays as it was.
    const edit = await draft(alice, report.id, { slug: "bios-fixed", body: "Changed afterwards." });
    expect(edit.statusCode).toBe(400);
    expect(textOf(edit.body)).toContain(
      "The announcement was published on 2026-12-08; published announcements are final.",
    );
    expect((await step(bob, report.id, "approve", second)).statusCode).toBe(400);
    expect((await step(bob, report.id, "publish", second)).statusCode).toBe(400);
    expect((await t.app.inject({ url: "/p/kitsu/announcements/bios-fixed" })).body).toBe(before);

    // Another case of the program cannot take the address; a wrong slug is named.
    const other = await fileReport(t, "kitsu", { title: "Another report" });
    const taken = await draft(alice, other.id, { slug: "bios-fixed" });
    expect(taken.statusCode).toBe(400);
    expect(textOf(taken.body)).toContain(
      "Another announcement of this program already has the address …/announcements/bios-fixed: choose another slug.",
    );
    for (const slug of ["Bios-Fixed", "bios--fixed", "bios_fixed", "a".repeat(81)]) {
      const bad = await draft(alice, other.id, { slug });
      expect(bad.statusCode, slug).toBe(400);
      expect(textOf(bad.body)).toContain("The slug may hold lowercase letters, digits and single hyphens");
    }
    // A second announcement, later: the list and the feed put it first.
    expect((await draft(alice, other.id, { title: "Second notice", slug: "" })).statusCode).toBe(303);
    expect((await step(bob, other.id, "approve")).statusCode).toBe(303);
    await move(alice, other.id, "triaged", "in-progress", "fixed", "disclosed");
    await later(t, { hours: 24 }, alice, bob);
    expect((await step(bob, other.id, "publish")).statusCode).toBe(303);
    const list = (await t.app.inject({ url: "/p/kitsu/announcements" })).body;
    expect(list.indexOf("/p/kitsu/announcements/second-notice")).toBeLessThan(
      list.indexOf("/p/kitsu/announcements/bios-fixed"),
    );
    const feed = parseXml((await t.app.inject({ url: "/p/kitsu/announcements.atom" })).body);
    expect(child(feed, "updated").text).toBe("2026-12-09T10:00:00.000Z");
    expect(
      feed.children.filter((element) => element.name === "entry").map((entry) => child(entry, "title").text),
    ).toEqual(["Second notice", TITLE]);
  });

  it("neutralises Markdown and HTML injection on the page and in the feed, and refuses overlong text", async () => {
    const report = await fileReport(t, "kitsu");
    const attack = [
      "<script>alert(1)</script>",
      "",
      "[x](javascript:alert(1)) and [y](JavaScript:alert(2)) and [z](data:text/html,hi)",
      "",
      '<a href="javascript:alert(3)">raw</a> <img src=x onerror="alert(4)"> <iframe src="https://evil.example">',
      "",
      "**<b>bold?</b>** `</code><script>alert(5)</script>`",
      "",
      "```",
      "</pre><script>alert(6)</script>",
      "```",
      "",
      "[ok](https://kitsu.io/?a=1&b=2) control:\u0000\u0007\u001b end",
    ].join("\n");
    const title = `<script>alert("t")</script> & "quotes"`;
    expect((await draft(alice, report.id, { title, slug: "injection", body: attack })).statusCode).toBe(303);
    // The staff preview is escaped too.
    const staffPage = (await alice.browser.get(`/cases/${report.id}`)).body;
    expect(staffPage).not.toMatch(/<script>alert/);
    expect(staffPage).not.toContain('href="javascript:');
    expect((await step(bob, report.id, "approve")).statusCode).toBe(303);
    await move(alice, report.id, "triaged", "in-progress", "fixed", "disclosed");
    expect((await step(bob, report.id, "publish")).statusCode).toBe(303);

    const page = (await t.app.inject({ url: "/p/kitsu/announcements/injection" })).body;
    const article = page.slice(page.indexOf("<article"), page.indexOf("</article>") + "</article>".length);
    expect(onlySafeMarkup(article)).toEqual([]);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain("<p>&lt;script>alert(1)&lt;/script></p>");
    expect(textOf(page)).toContain(
      "[x](javascript:alert(1)) and [y](JavaScript:alert(2)) and [z](data:text/html,hi)",
    );
    expect(page).toContain("&lt;a href=&quot;javascript:alert(3)&quot;>raw&lt;/a> &lt;img src=x onerror=");
    expect(page).toContain("<strong>&lt;b>bold?&lt;/b></strong>");
    expect(page).toContain("<code>&lt;/code>&lt;script>alert(5)&lt;/script></code>");
    expect(page).toContain("<code>&lt;/pre>&lt;script>alert(6)&lt;/script></code>");
    expect(page).toContain('<a href="https://kitsu.io/?a=1&amp;b=2">ok</a>');
    expect(page).toContain("control: end");
    expect(page).toContain("<h1>&lt;script>alert(&quot;t&quot;)&lt;/script> &amp; &quot;quotes&quot;</h1>");

    const feed = await t.app.inject({ url: "/p/kitsu/announcements.atom" });
    expect(feed.body).not.toMatch(/<script/i);
    expect([...feed.body].filter((char) => char < " " && char !== "\n")).toEqual([]);
    const entry = child(parseXml(feed.body), "entry");
    expect(child(entry, "title").text).toBe(title);
    const html = child(entry, "content").text;
    expect(onlySafeMarkup(html)).toEqual([]);
    expect(html).toContain("<p>&lt;script>alert(1)&lt;/script></p>");

    const long = await fileReport(t, "kitsu", { title: "Long" });
    const tooLong = await draft(alice, long.id, { body: "a".repeat(10_001) });
    expect(tooLong.statusCode).toBe(400);
    expect(textOf(tooLong.body)).toContain("The text may be at most 10,000 characters (it has 10,001).");
    const nasty = "[**_`".repeat(2_000);
    expect((await draft(alice, long.id, { body: nasty })).statusCode).toBe(303);
    expect(textOf((await alice.browser.get(`/cases/${long.id}`)).body)).toContain("Revision 1");
  });

  it("asks for the announcement when Kitsu's remediation completes and no draft exists yet", async () => {
    const report = await fileReport(t, "kitsu");
    const due = "An announcement is due: write the draft";
    for (const [phase, action] of [
      ["assessment", "start"],
      ["containment", "skip"],
      ["remediation", "start"],
    ] as const) {
      expect((await postCaseForm(alice, report.id, "incident-phase", { phase, action })).statusCode).toBe(
        303,
      );
    }
    expect(textOf((await alice.browser.get(`/cases/${report.id}`)).body)).not.toContain(due);
    const done = await postCaseForm(alice, report.id, "incident-phase", {
      phase: "remediation",
      action: "complete",
    });
    expect(done.statusCode).toBe(303);
    const page = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain(
      `${due} (Remediation is completed, and the policy says it ends in a public announcement).`,
    );
    // Nothing is published by itself.
    expect((await t.app.inject({ url: "/p/kitsu/announcements" })).body).toContain("No announcements yet.");
    expect((await draft(alice, report.id, {})).statusCode).toBe(303);
    expect(textOf((await alice.browser.get(`/cases/${report.id}`)).body)).not.toContain(due);
  });

  it("has no announcements where the policy publishes none, and 404s unknown or malformed slugs", async () => {
    const report = await fileReport(t, "rocketchat");
    const rocket = await createStaff(t, {
      email: "rocket@example.org",
      role: "responder",
      program: "rocketchat",
    });
    for (const url of [
      "/p/rocketchat/announcements",
      "/p/rocketchat/announcements.atom",
      "/p/rocketchat/announcements/anything",
      "/p/nope/announcements",
      "/p/kitsu/announcements/unknown",
      "/p/kitsu/announcements/Unknown",
      "/p/kitsu/announcements/a--b",
      `/p/kitsu/announcements/${"a".repeat(81)}`,
    ]) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(404);
    }
    expect((await t.app.inject({ url: "/p/rocketchat" })).body).not.toContain("/announcements");
    const page = textOf((await rocket.browser.get(`/cases/${report.id}`)).body);
    expect(page).not.toContain("Public announcement");
    for (const action of ["announcement-draft", "announcement-approve", "announcement-publish"]) {
      const refused = await postCaseForm(rocket, report.id, action, {
        "announcement-title": TITLE,
        "announcement-body": BODY,
        revision: "1",
      });
      expect(refused.statusCode, action).toBe(404);
    }
  });
});

describe.each(databases)("a public announcement under an embargo on $name", (database) => {
  let policies: string;
  let t: TestApp;
  beforeAll(async () => {
    // Kitsu with a seven-day embargo from receipt: the embargo's end is the disclosure date.
    policies = await mkdtemp(path.join(tmpdir(), "embargo-announcements-"));
    await copyFile("examples/policies/kafe.yaml", path.join(policies, "kafe.yaml"));
    const kitsu = await readFile("examples/policies/kitsu.yaml", "utf8");
    await writeFile(
      path.join(policies, "kitsu.yaml"),
      kitsu.replace(
        "  publicAnnouncement: true\n",
        "  publicAnnouncement: true\n  embargo:\n    within: { days: 7 }\n",
      ),
    );
  });
  afterAll(async () => {
    await rm(policies, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await startTestApp(database.open, {}, { policies });
    t.clock.set(T0);
  });
  afterEach(async () => {
    await t.close();
  });

  it("publishes once the clock is past the embargo's end, and names that end before", async () => {
    const alice = await createStaff(t, { email: "alice@kitsu.example", role: "responder", program: "kitsu" });
    const bob = await createStaff(t, { email: "bob@kitsu.example", role: "responder", program: "kitsu" });
    const report = await fileReport(t, "kitsu");
    const drafted = await postCaseForm(alice, report.id, "announcement-draft", {
      "announcement-title": TITLE,
      "announcement-slug": "",
      "announcement-body": BODY,
    });
    expect(drafted.statusCode).toBe(303);
    const page = (await bob.browser.get(`/cases/${report.id}`)).body;
    const revision = revisionOn(page, "announcement-approve");
    expect(
      (await bob.browser.post(`/cases/${report.id}/announcement-approve`, { revision })).statusCode,
    ).toBe(303);
    const early = await postCaseForm(bob, report.id, "announcement-publish", { revision });
    expect(early.statusCode).toBe(400);
    expect(textOf(early.body)).toContain(
      "Not before the disclosure date: the embargo ends on 2026-12-15 10:00 UTC: publish from then, or once the case is disclosed.",
    );
    expect(textOf((await bob.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Not yet: the embargo ends on 2026-12-15 10:00 UTC",
    );
    await later(t, { at: new Date("2026-12-15T10:01:00Z") }, alice, bob);
    const published = await postCaseForm(bob, report.id, "announcement-publish", { revision });
    expect(published.statusCode).toBe(303);
    const pub = await t.app.inject({ url: `/p/kitsu/announcements/${SLUG}` });
    expect(pub.statusCode).toBe(200);
    expect(pub.body).toContain('<time datetime="2026-12-15T10:01:00.000Z">2026-12-15</time>');
  });
});
