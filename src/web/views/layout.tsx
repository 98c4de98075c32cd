import type { ComponentChildren } from "preact";
import { renderToStaticMarkup } from "preact-render-to-string";

/**
 * The page shell. Everything is rendered by preact-render-to-string, which escapes all text and
 * attributes. No inline script or style: the CSP allows only same-origin files under /assets/.
 */
export function Layout(props: {
  title: string;
  lang?: string;
  children: ComponentChildren;
  scripts?: string[];
  /** Links shown in the page header (the staff pages' navigation). */
  nav?: ComponentChildren;
}) {
  return (
    <html lang={props.lang ?? "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Embargo`}</title>
        <link rel="stylesheet" href="/assets/embargo.css" />
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <a href="/" class="brand">
            Embargo
          </a>
          {props.nav}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

export function renderPage(page: preact.VNode): string {
  return `<!doctype html>\n${renderToStaticMarkup(page)}`;
}
