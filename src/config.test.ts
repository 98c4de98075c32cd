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

  it("trusts no proxy unless told which: a hop count or the proxies' addresses, never `true`", () => {
    expect(loadConfig({}, noFile).trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ EMBARGO_TRUST_PROXY: "false" }, noFile).trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ EMBARGO_TRUST_PROXY: "1" }, noFile).trustProxy).toEqual({ kind: "hops", hops: 1 });
    expect(
      loadConfig({ EMBARGO_TRUST_PROXY: "127.0.0.1, 10.0.0.0/8,fd00::/8,loopback" }, noFile).trustProxy,
    ).toEqual({ kind: "addresses", addresses: ["127.0.0.1", "10.0.0.0/8", "fd00::/8", "loopback"] });
    // `true` believed the leftmost X-Forwarded-For entry, which the client writes.
    expect(() => loadConfig({ EMBARGO_TRUST_PROXY: "true" }, noFile)).toThrow(
      /EMBARGO_TRUST_PROXY: `true` would believe any X-Forwarded-For a client writes\. Set the number of proxies/,
    );
    expect(() => loadConfig({ EMBARGO_TRUST_PROXY: "0" }, noFile)).toThrow(
      /EMBARGO_TRUST_PROXY: a hop count is 1/,
    );
    expect(() => loadConfig({ EMBARGO_TRUST_PROXY: "10.0.0.1,proxy.internal" }, noFile)).toThrow(
      /EMBARGO_TRUST_PROXY: .*not an address: "proxy\.internal"/,
    );
    expect(() => loadConfig({ EMBARGO_TRUST_PROXY: "10.0.0.0/33" }, noFile)).toThrow(/EMBARGO_TRUST_PROXY/);
  });

  it("bounds how long a request may take to arrive, headers sooner than the whole", () => {
    expect(loadConfig({}, noFile).timeouts).toEqual({ requestMs: 300_000, headersMs: 20_000 });
    expect(
      loadConfig({ EMBARGO_REQUEST_TIMEOUT_SECONDS: "600", EMBARGO_HEADERS_TIMEOUT_SECONDS: "10" }, noFile)
        .timeouts,
    ).toEqual({ requestMs: 600_000, headersMs: 10_000 });
    // The headers are part of the request: never given longer than all of it.
    expect(loadConfig({ EMBARGO_REQUEST_TIMEOUT_SECONDS: "5" }, noFile).timeouts).toEqual({
      requestMs: 5_000,
      headersMs: 5_000,
    });
    expect(() => loadConfig({ EMBARGO_REQUEST_TIMEOUT_SECONDS: "0" }, noFile)).toThrow(
      /EMBARGO_REQUEST_TIMEOUT_SECONDS/,
    );
  });

  it("bounds the SMTP listener's memory at twice the largest message unless told, never below one", () => {
    const config = loadConfig({ EMBARGO_SMTP_MAX_BYTES: "1000" }, noFile);
    expect(config.smtpListener).toMatchObject({ maxBytes: 1000, memoryBytes: 2000, perHostPerHour: 20 });
    expect(config.mailAnswers).toEqual({ perAddressPerHour: 3, perHostPerHour: 10 });
    const more = { EMBARGO_SMTP_MAX_BYTES: "1000", EMBARGO_SMTP_MEMORY_BYTES: "5000" };
    expect(loadConfig(more, noFile).smtpListener.memoryBytes).toBe(5000);
    const less = { EMBARGO_SMTP_MAX_BYTES: "1000", EMBARGO_SMTP_MEMORY_BYTES: "999" };
    expect(() => loadConfig(less, noFile)).toThrow(
      /EMBARGO_SMTP_MEMORY_BYTES: must be at least EMBARGO_SMTP_MAX_BYTES/,
    );
  });
});
