import { describe, expect, it } from "vitest";
import { buildCatalogue, decodeXmlText } from "./catalogue-source.js";
import {
  CWE_CATALOGUE_SOURCE,
  CWE_TOP_25,
  cweCatalogue,
  findCwe,
  isKnownCwe,
  parseCweId,
  searchCwe,
} from "./index.js";

/** The 2024 CWE Top 25, newer than the catalogue's own list: every one must still be known. */
const TOP_25_2024 = [
  79, 787, 89, 352, 22, 125, 78, 416, 862, 434, 94, 20, 77, 287, 269, 502, 200, 863, 918, 119, 476, 798, 190,
  400, 306,
];

describe("the catalogue", () => {
  it("holds the full list of weaknesses, with categories and views", () => {
    const entries = cweCatalogue();
    const weaknesses = entries.filter((entry) => entry.kind === "weakness");
    expect(weaknesses.length).toBeGreaterThanOrEqual(900);
    expect(entries.filter((entry) => entry.kind === "category").length).toBeGreaterThan(300);
    expect(entries.filter((entry) => entry.kind === "view").length).toBeGreaterThan(40);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
    for (const entry of entries) {
      expect(entry.id).toMatch(/^CWE-[1-9]\d*$/);
      expect(entry.name.trim()).toBe(entry.name);
      expect(entry.name).not.toMatch(/&(amp|lt|gt|quot|apos);/);
    }
  });

  it("says where it comes from and carries MITRE's notice", () => {
    expect(CWE_CATALOGUE_SOURCE.package).toBe("cwe-sdk");
    expect(CWE_CATALOGUE_SOURCE.catalogueVersion).toMatch(/^4\.\d+$/);
    expect(CWE_CATALOGUE_SOURCE.notice).toContain("The MITRE Corporation");
    expect(CWE_CATALOGUE_SOURCE.notice).toContain("https://cwe.mitre.org/about/termsofuse.html");
  });

  it("knows the catalogue's Top 25 and the 2024 Top 25", () => {
    expect(CWE_TOP_25).toHaveLength(25);
    for (const id of CWE_TOP_25) {
      expect(findCwe(id)).toMatchObject({ kind: "weakness", top25: true });
    }
    for (const id of TOP_25_2024) {
      expect(findCwe(id)?.kind).toBe("weakness");
    }
  });

  it("returns frozen entries", () => {
    const entry = findCwe(79);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry?.terms)).toBe(true);
  });
});

describe("findCwe", () => {
  it.each([
    [79, "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"],
    ["CWE-89", "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"],
    ["352", "Cross-Site Request Forgery (CSRF)"],
    ["cwe-22", "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"],
    [" CWE 416 ", "Use After Free"],
    ["CWE-787", "Out-of-bounds Write"],
    ["CWE-918", "Server-Side Request Forgery (SSRF)"],
    ["CWE-1004", "Sensitive Cookie Without 'HttpOnly' Flag"],
  ])("%j is %j", (id, name) => {
    expect(findCwe(id)?.name).toBe(name);
  });

  it("returns the id in CWE-n form with MITRE's metadata", () => {
    expect(findCwe("79")).toMatchObject({
      id: "CWE-79",
      kind: "weakness",
      abstraction: "Base",
      usage: "Allowed",
      terms: expect.arrayContaining(["XSS"]),
    });
  });

  it("knows categories and deprecated entries, marked as not for mapping", () => {
    expect(findCwe(264)).toMatchObject({ kind: "category", abstraction: null, usage: "Prohibited" });
    const deprecated = cweCatalogue().find(
      (entry) => entry.status === "Deprecated" && entry.kind === "weakness",
    );
    expect(deprecated?.usage).toBe("Prohibited");
  });

  it.each([
    0,
    -79,
    79.5,
    Number.NaN,
    "",
    "CWE-",
    "NVD-CWE-Other",
    "NVD-CWE-noinfo",
    "XSS",
    "CWE-79x",
    "CWE--79",
  ])("%j is not an id", (id) => {
    expect(findCwe(id)).toBeUndefined();
    expect(isKnownCwe(id)).toBe(false);
  });

  it("knows known ids and only those", () => {
    expect(isKnownCwe("CWE-79")).toBe(true);
    expect(isKnownCwe(89)).toBe(true);
    expect(isKnownCwe("CWE-99999")).toBe(false);
    expect(isKnownCwe(100000)).toBe(false);
  });

  it("parses the usual spellings", () => {
    expect(parseCweId("CWE-079")).toBe(79);
    expect(parseCweId("cwe:79")).toBe(79);
    expect(parseCweId(79)).toBe(79);
    expect(parseCweId("79 ")).toBe(79);
    expect(parseCweId("CWE-0")).toBeUndefined();
  });
});

describe("searchCwe", () => {
  const ids = (query: string, limit?: number) => searchCwe(query, limit).map((entry) => entry.id);

  it.each([
    ["sql injection", "CWE-89"],
    ["SQLi", "CWE-89"],
    ["xss", "CWE-79"],
    ["cross-site scripting", "CWE-79"],
    ["path traversal", "CWE-22"],
    ["directory traversal", "CWE-22"],
    ["csrf", "CWE-352"],
    ["ssrf", "CWE-918"],
    ["deserialization", "CWE-502"],
    ["use after free", "CWE-416"],
    ["command injection", "CWE-77"],
    ["os command injection", "CWE-78"],
    ["open redirect", "CWE-601"],
    ["missing authorization", "CWE-862"],
    ["null pointer", "CWE-476"],
    ["integer overflow", "CWE-190"],
    ["hard-coded password", "CWE-259"],
    ["79", "CWE-79"],
    ["CWE-79", "CWE-79"],
    ["cwe 89", "CWE-89"],
  ])("%j finds %s first", (query, first) => {
    expect(ids(query)[0]).toBe(first);
  });

  it("lists ids that start with the digits after an exact id", () => {
    expect(ids("79", 5)).toEqual(["CWE-79", "CWE-790", "CWE-791", "CWE-792", "CWE-793"]);
    expect(ids("CWE-99999")).toEqual([]);
  });

  it("puts entries matching every word before partial matches", () => {
    const results = searchCwe("sql injection");
    expect(results.slice(0, 2).map((entry) => entry.id)).toEqual(["CWE-89", "CWE-564"]);
    expect(results.length).toBeGreaterThan(2);
  });

  it("matches word prefixes", () => {
    expect(ids("deserializ")[0]).toBe("CWE-502");
  });

  it("ranks categories, views and deprecated entries after weaknesses one may map to", () => {
    // All three name "cross-site scripting" in full; the categories (OWASP Top Ten) are not for mapping.
    const results = ids("cross-site scripting", 50);
    expect(results.indexOf("CWE-692")).toBeGreaterThan(0);
    expect(results.indexOf("CWE-692")).toBeLessThan(results.indexOf("CWE-712"));
    expect(results.indexOf("CWE-692")).toBeLessThan(results.indexOf("CWE-931"));
    expect(findCwe("CWE-712")?.kind).toBe("category");
  });

  it("honours the limit (default 20)", () => {
    expect(searchCwe("injection")).toHaveLength(20);
    expect(searchCwe("injection", 3)).toHaveLength(3);
    expect(() => searchCwe("injection", 0)).toThrow(RangeError);
  });

  it("returns nothing for empty or unmatched queries", () => {
    expect(searchCwe("")).toEqual([]);
    expect(searchCwe("   ")).toEqual([]);
    expect(searchCwe("qwertyuiop")).toEqual([]);
    expect(searchCwe("!!!")).toEqual([]);
  });
});

describe("buildCatalogue", () => {
  const XML = `<?xml version="1.0" encoding="UTF-8"?><Weakness_Catalog Name="CWE" Version="9.9" Date="2031-01-02">
  <Weaknesses>
    <Weakness ID="79" Name="Cross-site Scripting &amp; friends" Abstraction="Base" Structure="Simple" Status="Stable">
      <Related_Weaknesses><Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="1000"/></Related_Weaknesses>
      <Alternate_Terms>
        <Alternate_Term><Term>XSS</Term><Description>Common</Description></Alternate_Term>
        <Alternate_Term><Term>HTML &lt;Injection&gt;</Term></Alternate_Term>
      </Alternate_Terms>
      <Mapping_Notes><Usage>Allowed</Usage></Mapping_Notes>
    </Weakness>
    <Weakness ID="3" Name="DEPRECATED: Old" Abstraction="Base" Structure="Simple" Status="Deprecated">
      <Mapping_Notes><Usage>Allowed</Usage></Mapping_Notes>
    </Weakness>
  </Weaknesses>
  <Categories>
    <Category ID="264" Name="Permissions" Status="Obsolete"><Mapping_Notes><Usage>Prohibited</Usage></Mapping_Notes></Category>
  </Categories>
  <Views>
    <View ID="1350" Name="Weaknesses in the 2020 CWE Top 25 Most Dangerous Software Weaknesses" Type="Graph" Status="Draft">
      <Members><Has_Member CWE_ID="3" View_ID="1350"/></Members>
    </View>
    <View ID="1425" Name="Weaknesses in the 2023 CWE Top 25 Most Dangerous Software Weaknesses" Type="Graph" Status="Draft">
      <Members><Has_Member CWE_ID="79" View_ID="1425"/></Members>
    </View>
  </Views>
</Weakness_Catalog>`;
  const source = { package: "test", version: "0.0.0", license: "MIT", file: "inline" };

  it("reads entries, terms, usage and the newest Top 25", () => {
    const catalogue = buildCatalogue(XML, source);
    expect(catalogue.source).toEqual({ ...source, catalogueVersion: "9.9", catalogueDate: "2031-01-02" });
    expect(catalogue.notice).toContain("Copyright © 2006–2031, The MITRE Corporation");
    expect(catalogue.top25).toEqual({
      viewId: 1425,
      name: "Weaknesses in the 2023 CWE Top 25 Most Dangerous Software Weaknesses",
      ids: [79],
    });
    expect(catalogue.entries.map((entry) => [entry.id, entry.kind, entry.usage])).toEqual([
      [3, "weakness", "Prohibited"],
      [79, "weakness", "Allowed"],
      [264, "category", "Prohibited"],
      [1350, "view", "Allowed-with-Review"],
      [1425, "view", "Allowed-with-Review"],
    ]);
    expect(catalogue.entries[1]).toEqual({
      id: 79,
      name: "Cross-site Scripting & friends",
      kind: "weakness",
      abstraction: "Base",
      status: "Stable",
      usage: "Allowed",
      terms: ["XSS", "HTML <Injection>"],
    });
  });

  it("rejects a document that is not a CWE catalogue", () => {
    expect(() => buildCatalogue("<html></html>", source)).toThrow(/no <Weakness_Catalog>/);
    expect(() => buildCatalogue('<Weakness_Catalog Version="1"></Weakness_Catalog>', source)).toThrow(
      /Top 25/,
    );
  });

  it("decodes XML entities", () => {
    expect(decodeXmlText("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233; &#x2014; &unknown;")).toBe(
      "a & b <c> \"d\" 'e' é — &unknown;",
    );
  });
});
