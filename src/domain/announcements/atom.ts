/**
 * An Atom 1.0 feed (RFC 4287) as text: the feed's id, title, updated, author and its self and
 * alternate links; each entry's id, title, updated, published, alternate link and its content as
 * escaped HTML (`type="html"`). Every value is escaped, and characters XML 1.0 cannot hold are
 * dropped, so whatever a title or body holds, the feed stays well-formed. Pure.
 */

export interface AtomEntry {
  /** A permanent IRI (urn:uuid:…). */
  id: string;
  title: string;
  updated: Date;
  published: Date;
  /** The entry's page. */
  link: string;
  /** The entry's content as HTML (escaped again here: `type="html"`). */
  html: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  /** Required even without entries: the caller says which instant. */
  updated: Date;
  author: string;
  selfLink: string;
  alternateLink: string;
  entries: readonly AtomEntry[];
}

/** Anything but the characters XML 1.0 allows (RFC 4287 is XML 1.0). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

const element = (name: string, text: string) => `<${name}>${escapeXml(text)}</${name}>`;
const link = (rel: string, type: string, href: string) =>
  `<link rel="${rel}" type="${type}" href="${escapeXml(href)}"/>`;

export function atomXml(feed: AtomFeed): string {
  const entries = feed.entries.map((entry) =>
    [
      "  <entry>",
      `    ${element("id", entry.id)}`,
      `    ${element("title", entry.title)}`,
      `    ${element("updated", entry.updated.toISOString())}`,
      `    ${element("published", entry.published.toISOString())}`,
      `    ${link("alternate", "text/html", entry.link)}`,
      `    <content type="html">${escapeXml(entry.html)}</content>`,
      "  </entry>",
    ].join("\n"),
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  ${element("id", feed.id)}`,
    `  ${element("title", feed.title)}`,
    `  ${element("updated", feed.updated.toISOString())}`,
    `  <author>${element("name", feed.author)}</author>`,
    `  ${link("self", "application/atom+xml", feed.selfLink)}`,
    `  ${link("alternate", "text/html", feed.alternateLink)}`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
