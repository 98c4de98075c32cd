import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SERVED = "assets/cvss";

/**
 * The case page's live CVSS score runs src/domain/cvss compiled into assets/cvss/ (by `npm run
 * build`, tsconfig.assets.json). The files kept there must be what that source compiles to now, or
 * the page would show a score the server does not give.
 */
describe("the CVSS scoring code served to browsers", () => {
  it("is src/domain/cvss as it compiles now (run `npm run build` when this fails)", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "embargo-cvss-assets-"));
    try {
      await run(path.join("node_modules", ".bin", "tsc"), ["-p", "tsconfig.assets.json", "--outDir", out]);
      const compiled = (await readdir(out)).sort();
      expect((await readdir(SERVED)).sort()).toEqual(compiled);
      expect(compiled).toContain("cvss40-lookup.js");
      for (const file of compiled) {
        const served = await readFile(path.join(SERVED, file), "utf8");
        expect(served, `${SERVED}/${file} is out of date: run npm run build`).toBe(
          await readFile(path.join(out, file), "utf8"),
        );
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("imports nothing but its own modules, so that a browser can load it from /assets/cvss/", async () => {
    for (const file of await readdir(SERVED)) {
      const text = await readFile(path.join(SERVED, file), "utf8");
      const imports = [...text.matchAll(/^(?:import|export)[^;]*? from "([^"]+)";$/gm)].map((m) => m[1]);
      for (const specifier of imports)
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[a-z0-9-]+\.js$/);
    }
  });
});
