import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readCleartextMessage, readKey, verify } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import type { LoadedPolicy } from "../../src/policy/loader.js";
import { RENDER_FORMATS, type RenderFormat, renderPolicy } from "../../src/policy/render/index.js";
import { renderSecurityTxt, signSecurityTxt } from "../../src/policy/render/security-txt.js";
import { checkSecurityTxt } from "../../src/policy/securitytxt/check.js";
import { loadExamplePolicies, SEED_SLUGS } from "../support/examples.js";

/**
 * Golden files: every seed program in every format, rendered with a fixed clock. Run with
 * UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
 */
const NOW = new Date("2026-11-25T00:00:00Z");
const PUBLIC_URL = "https://security.example.org";
const GOLDEN_NAMES: Record<RenderFormat, string> = {
  "security.md": "SECURITY.md",
  "security.txt": "security.txt",
  html: "policy.html",
  json: "policy.json",
};

let programs: Map<string, LoadedPolicy>;
beforeAll(async () => {
  programs = await loadExamplePolicies();
});
const program = (slug: string) => programs.get(slug)!;

describe.each(SEED_SLUGS)("%s", (slug) => {
  it.each(RENDER_FORMATS)("renders %s exactly as its golden file", (format) => {
    const output = renderPolicy(program(slug), format, { now: NOW, publicUrl: PUBLIC_URL });
    const golden = `test/golden/${slug}.${GOLDEN_NAMES[format]}`;
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, output);
    expect(existsSync(golden), `${golden} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(output).toBe(readFileSync(golden, "utf8"));
  });

  it("publishes a security.txt the RFC 9116 checker accepts without warnings", () => {
    for (const publicUrl of [PUBLIC_URL, undefined]) {
      const text = renderSecurityTxt(program(slug), {
        now: NOW,
        ...(publicUrl === undefined ? {} : { publicUrl }),
      });
      const expectedCanonical = publicUrl === undefined ? undefined : `${PUBLIC_URL}/p/${slug}/security.txt`;
      const report = checkSecurityTxt(text, {
        now: NOW,
        ...(expectedCanonical ? { expectedCanonical } : {}),
      });
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([]);
    }
  });

  it("mentions every section of the policy in SECURITY.md and the HTML page", () => {
    const markdown = renderPolicy(program(slug), "security.md", { now: NOW });
    const html = renderPolicy(program(slug), "html", { now: NOW });
    const policy = program(slug).policy;
    const expectations: [boolean, string][] = [
      [true, "Reporting a vulnerability"],
      [true, "Scope"],
      [true, "Response times"],
      [policy.rulesOfEngagement.length > 0, "Rules of engagement"],
      [policy.safeHarbor !== undefined, "Safe harbor"],
      [policy.incident.phases.length > 0, "Incident response"],
      [policy.disclosure.phases.length > 0 || policy.disclosure.embargo !== undefined, "Disclosure"],
      [policy.recognition.credit !== undefined, "Recognition"],
    ];
    for (const [present, title] of expectations) {
      if (!present) continue;
      expect(markdown).toContain(`## ${title}`);
      expect(html).toContain(`>${title}</h2>`);
    }
    for (const contact of policy.contacts) {
      expect(markdown).toContain(contact.name);
      expect(html).toContain(contact.name.replaceAll("&", "&amp;"));
    }
  });
});

describe("security.txt", () => {
  it("expires at most a year after the clock", () => {
    const text = renderSecurityTxt(program("kafe"), { now: NOW, expiresInDays: 365 });
    expect(text).toContain("Expires: 2027-11-25T00:00:00Z");
    expect(() => renderSecurityTxt(program("kafe"), { now: NOW, expiresInDays: 366 })).toThrow(/365/);
  });

  it("publishes the program's key URL and the Canonical and Policy URLs", () => {
    const text = renderSecurityTxt(program("kulupu"), { now: NOW, publicUrl: PUBLIC_URL });
    expect(text).toContain("Encryption: https://that.world/~wei/pubkey.gpg\n");
    expect(text).toContain(`Canonical: ${PUBLIC_URL}/p/kulupu/security.txt\n`);
    expect(text.indexOf(`Contact: ${PUBLIC_URL}/p/kulupu/report`)).toBeLessThan(
      text.indexOf("Contact: mailto:"),
    );
  });

  it("signs with an OpenPGP cleartext signature that verifies and passes the checker", async () => {
    const text = renderSecurityTxt(program("kitsu"), { now: NOW, publicUrl: PUBLIC_URL });
    const signed = await signSecurityTxt(text, readFileSync("test/fixtures/keys/test-private.asc", "utf8"), {
      now: NOW,
    });
    expect(signed.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")).toBe(true);
    const report = checkSecurityTxt(signed, { now: NOW });
    expect(report).toMatchObject({ signed: true, errors: [] });

    const publicKey = await readKey({
      armoredKey: readFileSync("test/fixtures/keys/test-public.asc", "utf8"),
    });
    const message = await readCleartextMessage({ cleartextMessage: signed });
    const { signatures, data } = await verify({ message, verificationKeys: publicKey, date: NOW });
    await expect(signatures[0]?.verified).resolves.toBe(true);
    expect(data).toBe(text);
  });
});

describe("escaping", () => {
  const hostile = (): LoadedPolicy => {
    const loaded = structuredClone(program("kitsu"));
    loaded.policy.program.name = `<script>alert("x")</script> & *bold* [link](javascript:alert(1))`;
    loaded.policy.rulesOfEngagement = ["<img src=x onerror=alert(1)>"];
    return loaded;
  };

  it("escapes policy text in the HTML page and uses no inline script or style", () => {
    const html = renderPolicy(hostile(), "html", { now: NOW });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script>alert(&quot;x&quot;)&lt;/script>");
    expect(html).not.toMatch(/<style|<[a-z][^>]*\s(style|on[a-z]+)=/i);
  });

  it("escapes policy text in SECURITY.md so it cannot inject markup or links", () => {
    const markdown = renderPolicy(hostile(), "security.md", { now: NOW });
    expect(markdown).not.toContain("<script");
    expect(markdown).not.toContain("<img");
    expect(markdown).toContain("\\*bold\\* \\[link\\](javascript:alert(1))");
  });
});

describe("security.txt behind plain http", () => {
  it("leaves out Embargo's own URLs, which RFC 9116 requires to be https", () => {
    const text = renderSecurityTxt(program("kafe"), { now: NOW, publicUrl: "http://127.0.0.1:8080" });
    expect(text).not.toContain("http://");
    expect(text).toContain("Contact: mailto:mrtreinis@kafe.example");
    expect(checkSecurityTxt(text, { now: NOW }).errors).toEqual([]);
  });
});
