import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { FastifyInstance } from "fastify";

/**
 * Browser code from npm, served under /assets like Embargo's own scripts (the CSP allows only
 * same-origin script files). Read from node_modules, where npm installed it, rather than copied
 * into assets/: nothing to keep in step by hand, and the version is package.json's.
 *
 * - /assets/vendor/simplewebauthn-browser.js: @simplewebauthn/browser's UMD bundle (it defines
 *   `SimpleWebAuthnBrowser`), which /assets/passkeys.js drives. The package's `exports` name
 *   only its module entry points, so the bundle is found beside the one `require` resolves.
 */
const require = createRequire(import.meta.url);

const SIMPLEWEBAUTHN_BROWSER = path.join(
  path.dirname(require.resolve("@simplewebauthn/browser")),
  "..",
  "dist",
  "bundle",
  "index.umd.min.js",
);

export async function vendorAssetRoutes(app: FastifyInstance): Promise<void> {
  // Read once at start: a missing file stops the server at once, not a sign-in page later.
  const simpleWebAuthn = readFileSync(SIMPLEWEBAUTHN_BROWSER);
  app.get("/assets/vendor/simplewebauthn-browser.js", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header("cache-control", "public, max-age=3600")
      .type("text/javascript; charset=utf-8")
      .send(simpleWebAuthn),
  );
}
