import { renderToStaticMarkup } from "preact-render-to-string";
import { atomXml } from "../../domain/announcements/atom.js";
import { type Block, type Inline, parseMarkdown } from "../../domain/announcements/markdown.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { PublishedAnnouncement } from "../../store/announcements.js";
import { Layout } from "./layout.js";

/**
 * A program's public announcements: the list, one announcement's page and the Atom feed. They
 * show the announcement's own words and date, nothing of the case it came from. The body is the
 * Markdown subset of src/domain/announcements/markdown.ts, rendered here element by element:
 * every string goes through preact's escaping, and the only attribute written from the text is
 * a link's https URL.
 */

function InlineText({ inlines }: { inlines: readonly Inline[] }) {
  return (
    <>
      {inlines.map((inline) => (
        <InlineElement inline={inline} />
      ))}
    </>
  );
}

function InlineElement({ inline }: { inline: Inline }) {
  switch (inline.kind) {
    case "text":
      return <>{inline.text}</>;
    case "code":
      return <code>{inline.text}</code>;
    case "strong":
      return (
        <strong>
          <InlineText inlines={inline.children} />
        </strong>
      );
    case "em":
      return (
        <em>
          <InlineText inlines={inline.children} />
        </em>
      );
    case "link":
      return <a href={inline.href}>{inline.text}</a>;
  }
}

function BlockElement({ block }: { block: Block }) {
  switch (block.kind) {
    case "paragraph":
      return (
        <p>
          <InlineText inlines={block.inlines} />
        </p>
      );
    case "heading":
      return (
        <p>
          <strong>
            <InlineText inlines={block.inlines} />
          </strong>
        </p>
      );
    case "list":
      return (
        <ul>
          {block.items.map((item) => (
            <li>
              <InlineText inlines={item} />
            </li>
          ))}
        </ul>
      );
    case "code":
      // pre.answer wraps long lines (the stylesheet's), so a code block never widens a phone's page.
      return (
        <pre class="answer">
          <code>{block.text}</code>
        </pre>
      );
  }
}

/** An announcement's Markdown body, as elements. */
export function AnnouncementBody({ markdown }: { markdown: string }) {
  return (
    <>
      {parseMarkdown(markdown).map((block) => (
        <BlockElement block={block} />
      ))}
    </>
  );
}

const listUrl = (program: LoadedPolicy) => `/p/${program.policy.program.slug}/announcements`;
const pageUrl = (program: LoadedPolicy, slug: string) => `${listUrl(program)}/${slug}`;
const listTitle = (program: LoadedPolicy) => `${program.policy.program.name} security announcements`;
const dateOf = (date: Date) => date.toISOString().slice(0, 10);

function PublishedOn({ date }: { date: Date }) {
  return <time datetime={date.toISOString()}>{dateOf(date)}</time>;
}

export function AnnouncementList(props: {
  program: LoadedPolicy;
  announcements: readonly PublishedAnnouncement[];
}) {
  const { program } = props;
  const { policy } = program;
  return (
    <Layout title={listTitle(program)} lang={policy.program.languages[0] ?? "en"}>
      <h1>{listTitle(program)}</h1>
      {props.announcements.length === 0 ? (
        <p>No announcements yet.</p>
      ) : (
        <ul>
          {props.announcements.map((announcement) => (
            <li>
              <a href={pageUrl(program, announcement.slug)}>{announcement.title}</a>{" "}
              <span class="meta">
                (<PublishedOn date={announcement.publishedAt} />)
              </span>
            </li>
          ))}
        </ul>
      )}
      <p class="meta">
        Subscribe: <a href={`${listUrl(program)}.atom`}>Atom feed</a> ·{" "}
        <a href={`/p/${policy.program.slug}`}>{policy.program.name} security policy</a>
      </p>
    </Layout>
  );
}

export function AnnouncementPage(props: { program: LoadedPolicy; announcement: PublishedAnnouncement }) {
  const { program, announcement } = props;
  return (
    <Layout
      title={`${announcement.title} · ${program.policy.program.name}`}
      lang={program.policy.program.languages[0] ?? "en"}
    >
      <p class="meta">
        <a href={listUrl(program)}>{listTitle(program)}</a>
      </p>
      {/* .announcement: long words and URLs wrap on a phone (assets/embargo.css). */}
      <article class="announcement">
        <h1>{announcement.title}</h1>
        <p class="meta">
          Published <PublishedOn date={announcement.publishedAt} />
        </p>
        <AnnouncementBody markdown={announcement.body} />
      </article>
    </Layout>
  );
}

/**
 * The program's Atom feed: its id is the list's address, each entry's id the announcement's own
 * urn:uuid (never the case's). With no entries, `updated` is `now`: Atom requires one.
 */
export function announcementFeed(input: {
  program: LoadedPolicy;
  announcements: readonly PublishedAnnouncement[];
  publicUrl: string;
  now: Date;
}): string {
  const { program, publicUrl } = input;
  const list = `${publicUrl}${listUrl(program)}`;
  return atomXml({
    id: list,
    title: listTitle(program),
    updated: input.announcements[0]?.publishedAt ?? input.now,
    author: program.policy.program.name,
    selfLink: `${list}.atom`,
    alternateLink: list,
    entries: input.announcements.map((announcement) => ({
      id: `urn:uuid:${announcement.id}`,
      title: announcement.title,
      updated: announcement.publishedAt,
      published: announcement.publishedAt,
      link: `${publicUrl}${pageUrl(program, announcement.slug)}`,
      html: renderToStaticMarkup(<AnnouncementBody markdown={announcement.body} />),
    })),
  });
}
