import { describe, expect, it } from "vitest";
import { errorName } from "./timer-worker.js";

describe("what the timer worker logs and keeps of an error", () => {
  it("keeps the class and a fixed code, never the message, which may quote data", () => {
    const leak = new TypeError('cannot read "Stored XSS in the profile page" of ada@example.org');
    expect(errorName(leak)).toBe("TypeError");
    const busy = Object.assign(new Error("database is locked while writing alice@acme.example"), {
      code: "SQLITE_BUSY",
    });
    expect(errorName(busy)).toBe("Error (SQLITE_BUSY)");
    const pg = Object.assign(new Error('duplicate key value violates ... ("secret")'), { code: "23505" });
    expect(errorName(pg)).toBe("Error (23505)");
  });

  it("drops a code or a name that is not a plain identifier", () => {
    const odd = Object.assign(new Error("x"), { code: "oops: ada@example.org" });
    expect(errorName(odd)).toBe("Error");
    const renamed = new Error("x");
    renamed.name = "Error for ada@example.org";
    expect(errorName(renamed)).toBe("Error");
    expect(errorName("a string with data")).toBe("unknown error");
  });
});
