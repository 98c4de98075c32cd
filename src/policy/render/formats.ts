/**
 * The published formats, apart from their renderers: `embargo policy render --format` offers
 * them at start-up, and the renderers (preact, Markdown, OpenPGP) load only when one renders.
 */
export const RENDER_FORMATS = ["security.md", "security.txt", "html", "json"] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];
