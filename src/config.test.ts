import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const noFile = "/nonexistent/embargo.yaml";

describe("configuration", () => {
  it("defaults to SQLite under ./data on 127.0.0.1:8080 with the example programs", () => {
    const config = loadConfig({}, noFile);
    expect(config).toMatchObject({
      databaseUrl: "sqlite:./data/embargo.db",
      policies: "./examples/policies",
      host: "127.0.0.1",
      port: 8080,
      publicUrl: "http://127.0.0.1:8080",
      dataDir: "./data",
      limits: { attachmentBytes: 10 * 1024 * 1024, attachmentsTotalBytes: 25 * 1024 * 1024 },
    });
  });

  it("reads embargo.yaml with the same names, and lets the environment win", () => {
    const file = join(mkdtempSync(join(tmpdir(), "embargo-config-")), "embargo.yaml");
    writeFileSync(
      file,
      "EMBARGO_PORT: 9000\nEMBARGO_DEFAULT_PROGRAM: kitsu\nEMBARGO_PUBLIC_URL: https://sec.example/\n",
    );
    expect(loadConfig({}, file)).toMatchObject({
      port: 9000,
      defaultProgram: "kitsu",
      publicUrl: "https://sec.example",
    });
    expect(loadConfig({ EMBARGO_PORT: "9100" }, file).port).toBe(9100);
  });

  it("names the setting that is wrong", () => {
    expect(() => loadConfig({ EMBARGO_PORT: "eighty" }, noFile)).toThrow(/EMBARGO_PORT/);
    expect(() => loadConfig({ EMBARGO_DATABASE_URL: "mysql://x" }, noFile)).toThrow(
      /EMBARGO_DATABASE_URL: expected sqlite/,
    );
    expect(() => loadConfig({ EMBARGO_SMTP_URL: "http://x" }, noFile)).toThrow(ConfigError);
    const file = join(mkdtempSync(join(tmpdir(), "embargo-config-")), "embargo.yaml");
    writeFileSync(file, "EMBARGO_PROT: 1\n");
    expect(() => loadConfig({}, file)).toThrow(/unknown setting\(s\): EMBARGO_PROT/);
  });
});
