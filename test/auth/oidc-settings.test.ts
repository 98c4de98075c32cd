import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

/** The identity providers' settings (src/oidc-setting.ts), as loadConfig reads them at start. */
const noFile = "/nonexistent/embargo.yaml";
const SECRET = "s3cr3t-value-that-must-not-leak";
const CORP = {
  EMBARGO_OIDC_PROVIDERS: "corp",
  EMBARGO_OIDC_CORP_ISSUER: "https://sso.example.org/realms/acme",
  EMBARGO_OIDC_CORP_CLIENT_ID: "embargo",
  EMBARGO_OIDC_CORP_CLIENT_SECRET: SECRET,
};

describe("single sign-on settings", () => {
  it("reads each listed provider with its defaults and group mapping", () => {
    expect(loadConfig({}, noFile).oidcProviders).toEqual([]);
    const [corp, partner] = loadConfig(
      {
        ...CORP,
        EMBARGO_OIDC_PROVIDERS: "corp, partner-eu",
        EMBARGO_OIDC_CORP_NAME: "Corp SSO",
        EMBARGO_OIDC_CORP_GROUPS: JSON.stringify({
          "security-team": { program: "kitsu", role: "responder" },
          leads: [
            { program: "kitsu", role: "admin" },
            { program: "*", role: "viewer" },
          ],
        }),
        EMBARGO_OIDC_PARTNER_EU_ISSUER: "http://127.0.0.1:9999",
        EMBARGO_OIDC_PARTNER_EU_CLIENT_ID: "embargo",
        EMBARGO_OIDC_PARTNER_EU_CLIENT_SECRET: "x",
        EMBARGO_OIDC_PARTNER_EU_GROUPS_CLAIM: "realm_access.roles",
      },
      noFile,
    ).oidcProviders;
    expect(corp).toMatchObject({
      id: "corp",
      name: "Corp SSO",
      clientId: "embargo",
      groupsClaim: "groups",
      scopes: "openid email profile",
    });
    expect(corp?.issuer.href).toBe("https://sso.example.org/realms/acme");
    expect(corp?.clientSecret.reveal()).toBe(SECRET);
    expect([...(corp?.groups ?? [])]).toEqual([
      ["security-team", [{ program: "kitsu", role: "responder" }]],
      [
        "leads",
        [
          { program: "kitsu", role: "admin" },
          { program: "*", role: "viewer" },
        ],
      ],
    ]);
    expect(partner).toMatchObject({
      id: "partner-eu",
      name: "partner-eu",
      groupsClaim: "realm_access.roles",
    });
  });

  it("stops the start naming each wrong setting, and never quotes the secret", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env, noFile);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("loadConfig accepted it");
    };
    const missing = problems({ EMBARGO_OIDC_PROVIDERS: "corp", EMBARGO_OIDC_CORP_CLIENT_SECRET: SECRET });
    expect(missing).toContain("EMBARGO_OIDC_CORP_ISSUER: required");
    expect(missing).toContain("EMBARGO_OIDC_CORP_CLIENT_ID: required");
    expect(missing).not.toContain(SECRET);
    expect(problems({ ...CORP, EMBARGO_OIDC_CORP_ISSUER: "http://sso.example.org" })).toContain(
      "EMBARGO_OIDC_CORP_ISSUER: expected https://",
    );
    expect(problems({ ...CORP, EMBARGO_OIDC_CORP_GROUPS: "{not json" })).toContain(
      "EMBARGO_OIDC_CORP_GROUPS: expected JSON",
    );
    expect(
      problems({ ...CORP, EMBARGO_OIDC_CORP_GROUPS: '{"security-team":{"program":"kitsu","role":"owner"}}' }),
    ).toMatch(/EMBARGO_OIDC_CORP_GROUPS: security-team\.0\.role: Invalid option/);
    expect(problems({ ...CORP, EMBARGO_OIDC_CORP_CLIENTID: "x" })).toContain(
      "EMBARGO_OIDC_CORP_CLIENTID: unknown setting",
    );
    expect(problems({ ...CORP, EMBARGO_OIDC_OTHER_ISSUER: "https://x.example" })).toContain(
      "EMBARGO_OIDC_OTHER_ISSUER: no provider of that name in EMBARGO_OIDC_PROVIDERS",
    );
    expect(problems({ ...CORP, EMBARGO_OIDC_PROVIDERS: "Corp!" })).toContain("is not an id");
    expect(problems({ ...CORP, EMBARGO_OIDC_CORP_SCOPES: "email profile" })).toContain(
      "the scopes must include openid",
    );
  });

  it("keeps the client secret out of printing, inspecting and JSON", () => {
    const config = loadConfig(CORP, noFile);
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(String(config.oidcProviders[0]?.clientSecret)).toBe("[redacted]");
  });

  it("reads the same settings from embargo.yaml, the environment winning", () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-oidc-config-"));
    const file = join(dir, "embargo.yaml");
    writeFileSync(
      file,
      Object.entries({ ...CORP, EMBARGO_OIDC_CORP_NAME: "From the file" })
        .map(([key, value]) => `${key}: "${value}"`)
        .join("\n"),
    );
    try {
      expect(loadConfig({}, file).oidcProviders[0]?.name).toBe("From the file");
      expect(loadConfig({ EMBARGO_OIDC_CORP_NAME: "Corp SSO" }, file).oidcProviders[0]?.name).toBe(
        "Corp SSO",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
