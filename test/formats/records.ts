/**
 * Advisory records the format tests export: one like a Rocket.Chat server advisory (two affected
 * ranges with fixes, a fixed range, an unsupported branch that will not be fixed, CVSS 3.1), one
 * like a privacytools.io website advisory (`live` labels, CVSS 4.0) and a minimal standalone one
 * (no case, no CVE id, no scores, no credits).
 */
import type { AdvisoryRecord } from "../../src/domain/advisories/record.js";

export const rocketChatRecord: AdvisoryRecord = {
  id: "adv_rc_01",
  program: "rocketchat",
  trackingId: "EMBARGO-ROCKETCHAT-2026-0001",
  caseId: "case_rc_01",
  title: "Stored cross-site scripting in message attachments",
  summary: "A crafted attachment description runs script in the browser of every member who opens the room.",
  description:
    "## Details\n\nThe attachment description was rendered without escaping.\n\n## Workaround\n\nDisable file uploads.",
  cveId: "CVE-2026-12345",
  aliases: ["GHSA-abcd-efgh-ijkl"],
  cwe: "CWE-79",
  cvss31: { vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:N", score: 8.7 },
  cvss40: null,
  severity: "high",
  products: [
    {
      id: "rocketchat-server",
      name: "Rocket.Chat server",
      vendor: "Rocket.Chat",
      package: { ecosystem: "npm", name: "@rocket.chat/meteor", purl: "pkg:npm/%40rocket.chat/meteor" },
      ranges: [
        { versions: ">=7.0.0 <7.0.3", status: "affected", fixedIn: "7.0.3" },
        { versions: ">=6.12.0 <6.12.2", status: "affected", fixedIn: "6.12.2" },
        { versions: ">=7.0.3", status: "fixed" },
        {
          versions: "5.x",
          status: "will-not-fix",
          reason: "5.x is out of support: upgrade to 6.12.2 or later.",
        },
      ],
    },
  ],
  references: [
    { url: "https://github.com/RocketChat/Rocket.Chat/pull/40001", kind: "patch" },
    { url: "https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.3", kind: "release-notes" },
  ],
  credits: [
    { name: "Ada Example", type: "finder", url: "https://ada.example" },
    { name: "Rocket.Chat security team", type: "remediation developer" },
  ],
  publishedAt: "2026-03-02T10:00:00.000Z",
  updatedAt: "2026-03-09T08:30:00.000Z",
  revisions: [
    { number: 1, date: "2026-03-02T10:00:00.000Z", summary: "Initial publication." },
    { number: 2, date: "2026-03-09T08:30:00.000Z", summary: "Added the 6.12 fix." },
  ],
  publisher: { name: "Rocket.Chat", namespace: "https://rocket.chat" },
};

export const privacyToolsRecord: AdvisoryRecord = {
  id: "adv_pt_01",
  program: "privacytools",
  trackingId: "EMBARGO-PRIVACYTOOLS-2026-0003",
  caseId: "case_pt_07",
  title: "Open redirect on the website's search page",
  summary: "The search page redirected to any address given in its `next` parameter.",
  description: "The live website accepted any `next` address. It now only redirects within the site.",
  cveId: "CVE-2026-23456",
  aliases: [],
  cwe: "CWE-601",
  cvss31: null,
  cvss40: { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:N/SC:L/SI:L/SA:N", score: 5.3 },
  severity: "medium",
  products: [
    {
      id: "website",
      name: "privacytools.io website",
      vendor: "privacytools.io",
      ranges: [
        { versions: "live", status: "fixed" },
        { versions: "staging", status: "not-affected" },
      ],
    },
  ],
  references: [{ url: "https://www.privacytools.io/security/2026-0003" }],
  credits: [{ name: "anon-researcher", type: "reporter" }],
  publishedAt: "2026-05-20T12:00:00.000Z",
  updatedAt: "2026-05-20T12:00:00.000Z",
  revisions: [{ number: 1, date: "2026-05-20T12:00:00.000Z", summary: "Initial publication." }],
  publisher: { name: "privacytools.io", namespace: "https://www.privacytools.io" },
};

export const standaloneRecord: AdvisoryRecord = {
  id: "adv_kf_01",
  program: "kafe",
  trackingId: "EMBARGO-KAFE-2026-0001",
  caseId: null,
  title: "Session cookie without the Secure attribute",
  summary: "Found internally: the session cookie could be sent over plain HTTP.",
  description: "",
  cveId: null,
  aliases: [],
  cwe: null,
  cvss31: null,
  cvss40: null,
  severity: null,
  products: [
    { id: "kafe", name: "Kafe", vendor: "Kafe", ranges: [{ versions: "1.2.3", status: "affected" }] },
  ],
  references: [{ url: "https://kafe.example/security/2026-0001" }],
  credits: [],
  publishedAt: "2026-06-01T09:00:00.000Z",
  updatedAt: "2026-06-01T09:00:00.000Z",
  revisions: [{ number: 1, date: "2026-06-01T09:00:00.000Z", summary: "Initial publication." }],
  publisher: { name: "Kafe", namespace: "https://kafe.example" },
};

export const exampleRecords: readonly AdvisoryRecord[] = [
  rocketChatRecord,
  privacyToolsRecord,
  standaloneRecord,
];

export const importContext = {
  id: "adv_imported",
  program: "acme",
  publisher: { name: "Acme", namespace: "https://acme.example" },
};
