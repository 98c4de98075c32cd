import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/**
 * The layer rules of `npm run lint` (.dependency-cruiser.cjs), run the way lint runs them, on a
 * small made-up src/ tree: a wrong-way import must fail with the rule's name, and a tree that
 * keeps the layers must pass having read its modules (dependency-cruiser without a TypeScript
 * parser would "pass" over zero modules).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "embargo-layers-"));
  dirs.push(dir);
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }),
  );
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const result = spawnSync(
    process.execPath,
    [
      "--require",
      path.join(root, "scripts/depcruise-typescript.cjs"),
      path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"),
      "src",
      "--config",
      path.join(root, ".dependency-cruiser.cjs"),
      "--output-type",
      "err",
    ],
    { cwd: dir, encoding: "utf8", timeout: 60_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("layer rules (dependency-cruiser)", () => {
  it("passes a tree whose imports point down, and reads every module", () => {
    const { status, output } = cruise({
      "src/web/page.ts": 'import { rule } from "../domain/rule.js";\nexport const page = rule;\n',
      "src/domain/rule.ts":
        'import type { Policy } from "../policy/schema.js";\nexport const rule = (p: Policy) => p.id;\n',
      "src/policy/schema.ts": "export interface Policy { id: string }\n",
    });
    expect(output).toContain("no dependency violations found (3 modules");
    expect(status).toBe(0);
  });

  it("fails wrong-way imports and cycles, naming the rule", () => {
    const { status, output } = cruise({
      "src/domain/rule.ts": 'import { table } from "../store/table.js";\nexport const rule = table;\n',
      "src/store/table.ts": "export const table = 1;\n",
      "src/domain/loads.ts": 'import { schema } from "../policy/schema.js";\nexport const loads = schema;\n',
      "src/policy/schema.ts": "export const schema = 1;\n",
      "src/crypto/key.ts": 'import type { Db } from "../store/db.js";\nexport type Key = Db;\n',
      "src/store/db.ts": "export interface Db { name: string }\n",
      "src/store/outbox.ts": 'import { send } from "../mail/send.js";\nexport const outbox = send;\n',
      "src/mail/send.ts": 'import { limit } from "../web/limit.js";\nexport const send = limit;\n',
      "src/web/limit.ts": "export const limit = 1;\n",
      "src/lib/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/lib/b.ts": 'import type { a } from "./a.js";\nexport const b = 1;\nexport type A = typeof a;\n',
    });
    expect(status).not.toBe(0);
    expect(output).toContain("domain-is-pure: src/domain/rule.ts → src/store/table.ts");
    expect(output).toContain("domain-is-pure-policy-types: src/domain/loads.ts → src/policy/schema.ts");
    // Type-only imports count (tsPreCompilationDeps).
    expect(output).toContain("crypto-is-low: src/crypto/key.ts → src/store/db.ts");
    expect(output).toContain("store-below-shell: src/store/outbox.ts → src/mail/send.ts");
    expect(output).toContain("mail-not-web: src/mail/send.ts → src/web/limit.ts");
    expect(output).toContain("nothing-imports-shell: src/mail/send.ts → src/web/limit.ts");
    expect(output).toMatch(/no-circular: src\/lib\/(a|b)\.ts/);
  });
});
