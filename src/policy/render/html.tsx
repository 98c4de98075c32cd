import type { ComponentChildren } from "preact";
import { renderToStaticMarkup } from "preact-render-to-string";
import type { Block, Inline, Outline, Rich } from "./outline.js";

/**
 * The policy as HTML. preact-render-to-string escapes every text and attribute, so nothing in
 * a policy file can inject markup; there is no inline script or style (strict CSP).
 */
export function PolicyArticle({ outline, lead }: { outline: Outline; lead?: ComponentChildren }) {
  return (
    <article class="policy">
      <h1>{outline.title}</h1>
      {outline.intro.map((paragraph) => (
        <p>
          <RichText content={paragraph} />
        </p>
      ))}
      {/* The page's own words after the introduction (the policy page's call to action). */}
      {lead}
      {outline.sections.map((section) => (
        <section id={section.id} aria-labelledby={`${section.id}-title`}>
          <h2 id={`${section.id}-title`}>{section.title}</h2>
          {section.blocks.map((block) => (
            <BlockView block={block} />
          ))}
        </section>
      ))}
    </article>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case "paragraph":
      return (
        <p>
          <RichText content={block.content} />
        </p>
      );
    case "subheading":
      return <h3>{block.text}</h3>;
    case "list":
      return (
        <ul>
          {block.items.map((item) => (
            <li>
              <RichText content={item} />
            </li>
          ))}
        </ul>
      );
    case "table":
      // Wider than a phone, it scrolls in its own box, which keyboard users can focus to scroll.
      return (
        <section class="table-scroll" aria-label={block.head.join(", ")} tabindex={0}>
          <table>
            <thead>
              <tr>
                {block.head.map((cell) => (
                  <th scope="col">{cell}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row) => (
                <tr>
                  {row.map((cell) => (
                    <td>
                      <InlineView part={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      );
  }
}

function RichText({ content }: { content: Rich }) {
  return (
    <>
      {content.map((part) => (
        <InlineView part={part} />
      ))}
    </>
  );
}

function InlineView({ part }: { part: Inline }): ComponentChildren {
  if (typeof part === "string") return part;
  if ("strong" in part) return <strong>{part.strong}</strong>;
  return <a href={safeHref(part.href)}>{part.text}</a>;
}

/**
 * Policy URLs are validated as https or mailto already. Embargo's own links may also be http (a
 * deployment without TLS: its report form must still be reachable) or a path on this site
 * (`/p/kitsu/report`; not `//host` or `/\host`, which leave the site). Anything else
 * (javascript:, data:) is not linked.
 */
function safeHref(href: string): string {
  return /^(https?:|mailto:|\/(?![/\\]))/i.test(href) ? href : "#";
}

/** A complete, standalone HTML document for `embargo policy render --format html`. */
export function renderHtmlDocument(outline: Outline, options: { lang: string; stylesheet?: string }): string {
  const body = renderToStaticMarkup(
    <html lang={options.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{outline.title}</title>
        {options.stylesheet === undefined ? null : <link rel="stylesheet" href={options.stylesheet} />}
      </head>
      <body>
        <main>
          <PolicyArticle outline={outline} />
        </main>
      </body>
    </html>,
  );
  return `<!doctype html>\n${body}\n`;
}
