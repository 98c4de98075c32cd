import { describe, expect, it } from "vitest";
import { parseMarkdown, safeHref } from "./markdown.js";
import { isValidSlug, slugFromTitle } from "./slug.js";

const text = (value: string) => ({ kind: "text", text: value });

describe("the announcement Markdown subset", () => {
  it("reads paragraphs, lists, code blocks, headings and inline code, strong, em and https links", () => {
    const source = [
      "# Fixed",
      "",
      "We fixed **stored *XSS*** in `bio`.",
      "Thanks to _Ada_.",
      "",
      "- update now",
      "* see [the release](https://kitsu.io/releases/1)",
      "",
      "```",
      "<b>not bold</b>",
      "```",
    ].join("\n");
    expect(parseMarkdown(source)).toEqual([
      { kind: "heading", inlines: [text("Fixed")] },
      {
        kind: "paragraph",
        inlines: [
          text("We fixed "),
          { kind: "strong", children: [text("stored "), { kind: "em", children: [text("XSS")] }] },
          text(" in "),
          { kind: "code", text: "bio" },
          text(".\nThanks to "),
          { kind: "em", children: [text("Ada")] },
          text("."),
        ],
      },
      {
        kind: "list",
        items: [
          [text("update now")],
          [text("see "), { kind: "link", href: "https://kitsu.io/releases/1", text: "the release" }],
        ],
      },
      { kind: "code", text: "<b>not bold</b>" },
    ]);
  });

  it("keeps links to anything but an https URL as the text that was typed", () => {
    for (const target of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "http://kitsu.io",
      "//evil.example",
      "/relative",
      "https://user:pass@kitsu.io/",
      'https://kitsu.io/"onmouseover="alert(1)',
      "https://kitsu.io/a b",
    ]) {
      expect(safeHref(target), target).toBeNull();
      expect(parseMarkdown(`[x](${target})`), target).toEqual([
        { kind: "paragraph", inlines: [text(`[x](${target})`)] },
      ]);
    }
    expect(safeHref("https://kitsu.io/a?b=c#d")).toBe("https://kitsu.io/a?b=c#d");
  });

  it("treats HTML as text: no node of the tree is HTML", () => {
    const blocks = parseMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">');
    expect(blocks).toEqual([
      { kind: "paragraph", inlines: [text("<script>alert(1)</script>")] },
      { kind: "paragraph", inlines: [text('<img src=x onerror="alert(1)">')] },
    ]);
  });

  it("stays linear on inputs made of openers that never close", () => {
    for (const unit of ["[", "**", "*", "_", "`", "[x](", "[x]", "**a*"]) {
      const source = unit.repeat(Math.ceil(10_000 / unit.length)).slice(0, 10_000);
      const started = performance.now();
      const blocks = parseMarkdown(source);
      expect(performance.now() - started, unit).toBeLessThan(500);
      expect(blocks.length, unit).toBeGreaterThan(0);
    }
  });
});

describe("announcement slugs", () => {
  it("are made from the title, and hold only lowercase letters, digits and single hyphens", () => {
    expect(slugFromTitle("Stored XSS in the profile page")).toBe("stored-xss-in-the-profile-page");
    expect(slugFromTitle("  Sécurité: «CVE-2026-1234»  ")).toBe("securite-cve-2026-1234");
    expect(slugFromTitle("日本語")).toBe("");
    expect(slugFromTitle("word ".repeat(40)).length).toBeLessThanOrEqual(80);
    expect(isValidSlug(slugFromTitle("word ".repeat(40)))).toBe(true);
    for (const bad of ["", "-a", "a-", "a--b", "A", "a_b", "a/b", "a".repeat(81), "é"])
      expect(isValidSlug(bad), bad).toBe(false);
    expect(isValidSlug("a".repeat(80))).toBe(true);
  });
});
