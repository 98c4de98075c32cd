import type { LoadedPolicy } from "../loader.js";
import type { RenderFormat } from "./formats.js";
import { renderHtmlDocument } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { policyOutline } from "./outline.js";
import { publicPolicy } from "./public-policy.js";
import { renderSecurityTxt, type SecurityTxtRenderOptions } from "./security-txt.js";

export { RENDER_FORMATS, type RenderFormat } from "./formats.js";

/** Renders a loaded policy in one of the published formats; the same clock gives the same output. */
export function renderPolicy(
  loaded: LoadedPolicy,
  format: RenderFormat,
  options: SecurityTxtRenderOptions,
): string {
  const base = options.publicUrl?.replace(/(?<!\/)\/+$/, "");
  const reportFormUrl = base === undefined ? undefined : `${base}/p/${loaded.policy.program.slug}/report`;
  switch (format) {
    case "security.txt":
      return renderSecurityTxt(loaded, options);
    case "security.md":
      return renderMarkdown(
        policyOutline(loaded.policy, reportFormUrl === undefined ? {} : { reportFormUrl }),
      );
    case "html":
      return renderHtmlDocument(
        policyOutline(loaded.policy, reportFormUrl === undefined ? {} : { reportFormUrl }),
        {
          lang: loaded.policy.program.languages[0] ?? "en",
        },
      );
    case "json":
      // The published JSON, like the published pages, leaves out what only the team keeps.
      return `${JSON.stringify(publicPolicy(loaded.policy), null, 2)}\n`;
  }
}
