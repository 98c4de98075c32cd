import { describe, expect, it } from "vitest";
import { atomXml, escapeXml } from "./atom.js";

describe("the announcements' Atom feed", () => {
  it("escapes markup and drops what XML 1.0 cannot hold", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(escapeXml("a\u0000b\u0008c\uD800d\uFFFEe\tf\n😀")).toBe("abcde\tf\n😀");
  });

  it("writes the feed's and each entry's required elements", () => {
    const at = new Date("2026-12-08T10:00:00Z");
    const xml = atomXml({
      id: "https://x.example/p/k/announcements",
      title: "K & co",
      updated: at,
      author: "K",
      selfLink: "https://x.example/p/k/announcements.atom",
      alternateLink: "https://x.example/p/k/announcements",
      entries: [
        {
          id: "urn:uuid:1",
          title: "<T>",
          updated: at,
          published: at,
          link: "https://x.example/e?a=1&b=2",
          html: "<p>&lt;</p>",
        },
      ],
    });
    expect(xml).toContain("<title>K &amp; co</title>");
    expect(xml).toContain(
      '<link rel="self" type="application/atom+xml" href="https://x.example/p/k/announcements.atom"/>',
    );
    expect(xml).toContain('<link rel="alternate" type="text/html" href="https://x.example/e?a=1&amp;b=2"/>');
    expect(xml).toContain("<title>&lt;T&gt;</title>");
    expect(xml).toContain('<content type="html">&lt;p&gt;&amp;lt;&lt;/p&gt;</content>');
    expect(xml).toContain("<updated>2026-12-08T10:00:00.000Z</updated>");
  });
});
