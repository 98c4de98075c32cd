import { describe, expect, it } from "vitest";
import { smtpErrorResult } from "./smtp-errors.js";

const server = "mail.example.org:587";

describe("smtpErrorResult", () => {
  it("classifies by reply code and never quotes the reply text", () => {
    const err = Object.assign(new Error("Message failed: 554 5.7.1 content rejected: SECRET PoC"), {
      code: "EMESSAGE",
      responseCode: 554,
      response: "554 5.7.1 content rejected: SECRET PoC",
      command: "DATA",
      permanent: true,
    });
    expect(smtpErrorResult(err, server)).toEqual({
      ok: false,
      retryable: false,
      error: "SMTP 554 5.7.1 after DATA from mail.example.org:587",
    });
    expect(smtpErrorResult({ responseCode: 503, response: "503 bad sequence" }, server).retryable).toBe(true);
    expect(smtpErrorResult({ responseCode: 452, response: "452 full" }, server).retryable).toBe(true);
  });

  it("retries connection trouble and configuration errors the admin can fix", () => {
    for (const err of [
      { code: "ESOCKET", originalCode: "ECONNRESET" },
      { code: "EDNS" },
      { code: "ETLS" },
      { code: "ECONNECTION" },
      { code: "EAUTH", responseCode: 535, response: "535 bad credentials for mailer", permanent: true },
      { code: "ETIMEDOUT", timeoutType: "SOCKET_TIMEOUT" },
      { code: "SOMETHING_NEW" },
      "not even an object",
    ]) {
      const result = smtpErrorResult(err, server);
      expect(result.retryable, JSON.stringify(err)).toBe(true);
      expect(result.error).not.toContain("mailer");
    }
  });

  it("does not retry a message or envelope that cannot be built", () => {
    expect(smtpErrorResult({ code: "EENVELOPE" }, server).retryable).toBe(false);
    expect(smtpErrorResult({ code: "EMESSAGE" }, server).retryable).toBe(false);
  });
});
