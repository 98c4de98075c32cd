import type { Keeper } from "./keepers.js";
import {
  ADDRESSES,
  BROKEN,
  enforced,
  GOLDEN,
  KITSU_CLOCK,
  KULUPU_NEW_REPORT,
  POLICY_PAGE,
  published,
  SECTIONS,
  SECURITY_TXT,
  SECURITY_TXT_FIELDS,
  SECURITY_TXT_WITHOUT,
  test,
} from "./keepers.js";

/** An advisory's CVE JSON 5 document (test/web/advisory-cve.test.ts). */
const CVE_SERVED = test(
  "test/web/advisory-cve.test.ts",
  "serves Acme's CNA container for an advisory with a CVE id, valid against the CVE schema, and links it from the page",
);
const CVE_ABSENT = test(
  "test/web/advisory-cve.test.ts",
  "answers 404 and shows no link where the program is no CNA, the advisory has no CVE id, or it lacks a reference",
);

/** Who keeps the promises of program, contacts, channels, encryption and the team: who the program is and how to reach it. */
export const IDENTITY_PROMISES: Readonly<Record<string, Keeper>> = {
  // program: who the program is, and where its pages are
  "program.slug": enforced(
    "serves the program at /p/{slug}: policy page, report form, security.txt and the JSON intake",
    POLICY_PAGE,
  ),
  "program.name": enforced(
    "names the program on its policy page, its security.txt and every mail and notice",
    POLICY_PAGE,
    KITSU_CLOCK,
  ),
  "program.website": published("a link to the program's own site, for people on the policy page"),
  "program.description": published("an introduction for people on the policy page"),
  "program.languages": enforced(
    "published as security.txt's Preferred-Languages and the pages' language",
    GOLDEN,
  ),
  "program.canonicalUrl": enforced(
    "published as security.txt's Canonical field instead of Embargo's own URL",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.policyUrl": enforced(
    "published as security.txt's Policy field instead of Embargo's policy page",
    GOLDEN,
  ),
  "program.acknowledgmentsUrl": enforced(
    "published as security.txt's Acknowledgments field",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.hiringUrl": enforced(
    "published as security.txt's Hiring field",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.csafUrl": enforced(
    "published as security.txt's CSAF field, instead of Embargo's own provider metadata (/.well-known/csaf/provider-metadata.json, named by default); `policy check` refuses a URL that is not a provider-metadata.json",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
    BROKEN,
  ),
  "program.cna.orgId": enforced(
    "a published advisory with a CVE id is also served at /p/{program}/advisories/{trackingId}.cve.json as a CVE JSON 5 CNA container whose providerMetadata names this orgId, linked from its page; without `cna` (or without a CVE id) that URL is 404 and unlinked; `policy check` refuses anything but a version 4 UUID",
    CVE_SERVED,
    CVE_ABSENT,
    BROKEN,
  ),
  "program.cna.shortName": enforced(
    "named as providerMetadata.shortName in the CVE JSON 5 CNA container of each advisory with a CVE id; `policy check` refuses fewer than 2 or more than 32 characters",
    CVE_SERVED,
    BROKEN,
  ),

  // contacts: the people, and who is told what
  "contacts[].id": enforced(
    "notify lists (escalation, new reports) name contacts by id; mail goes to the contact's address",
    KITSU_CLOCK,
  ),
  "contacts[].name": enforced("published on the policy page and SECURITY.md", SECTIONS),
  "contacts[].title": published("a person's job title, for people on the policy page"),
  "contacts[].roles": enforced(
    "points of contact hear of new reports unless notifications.newReport says otherwise; privacy officers are warned of the authority deadline",
    KULUPU_NEW_REPORT,
    test(
      "src/domain/clocks/disclosure.test.ts",
      "warns at 75 % and breaches at the deadline, the privacy officers too; only the breach when both are due",
    ),
  ),
  "contacts[].email": enforced("notifications to the contact are mailed to this address", KITSU_CLOCK),
  "contacts[].url": enforced("published on the policy page as the way to reach the contact", GOLDEN),
  "contacts[].openpgpKey": enforced(
    "under encryption.allCommunication, team mail with report content is encrypted to this key (armored or file; a url is only published); a contact without one gets no content",
    test(
      "test/mail/team-mail-encryption.test.ts",
      "encrypts a new report's mail to Wei's GnuPG key, signed by the program, and leaves the title out of Lin's",
    ),
  ),

  // channels: where reports come in, and the other ways to reach the team
  "channels[].id": published("names the channel inside the file; nothing refers to a channel by id"),
  "channels[].kind": enforced(
    "active email and mailing-list channels taking reports are the program's mail addresses (SMTP intake, WKD, the From of its mail)",
    ADDRESSES,
  ),
  "channels[].label": enforced("published on the policy page as the channel's name", GOLDEN),
  "channels[].address": enforced(
    "published as security.txt's Contact (mailto:) and taken as a report address by the mail intake",
    SECURITY_TXT,
    ADDRESSES,
  ),
  "channels[].url": enforced(
    "published on the policy page (and as security.txt's Contact for a reports channel)",
    GOLDEN,
  ),
  "channels[].purposes": enforced(
    "only `reports` channels become security.txt Contacts and report addresses; the others are listed as other channels",
    ADDRESSES,
    GOLDEN,
  ),
  "channels[].access": published("tells people a channel is invite-only or private, on the policy page"),
  "channels[].active": enforced(
    "an inactive channel is no Contact and no report address, and the policy page says it is no longer used",
    GOLDEN,
  ),
  "channels[].note": published("a remark for people, on the policy page"),

  // encryption
  "encryption.reports": enforced(
    "with `required`, a report mailed in clear is kept and its receipt says how to encrypt (key fingerprint, download, guidance) without the case link; `policy check` refuses `required` without a key; the form and the API take reports over HTTPS",
    test(
      "test/mail/team-mail-encryption.test.ts",
      "keeps a report mailed in clear as a case, tells the sender how to encrypt, and tells Wei encrypted",
    ),
    test(
      "test/mail/encrypted-conversation.test.ts",
      "keeps the case link out of a clear receipt when the program requires encryption (Kulupu)",
    ),
  ),
  "encryption.allCommunication": enforced(
    "mail to the reporter carries the case link and the team's words only encrypted; team mail with report content is encrypted to each contact's key, and carries none for a contact without one",
    test(
      "test/mail/encrypted-conversation.test.ts",
      "keeps the case link out of a clear receipt when the program requires encryption (Kulupu)",
    ),
    test(
      "test/mail/team-mail-encryption.test.ts",
      "encrypts a new report's mail to Wei's GnuPG key, signed by the program, and leaves the title out of Lin's",
    ),
    test(
      "test/mail/team-mail-encryption.test.ts",
      "sends kulupu-clear's team mail as before: in clear, with the title",
    ),
  ),
  "encryption.openpgpKey": enforced(
    "served at /p/{program}/openpgp.asc until a key is stored, and named by security.txt's Encryption field",
    test(
      "test/web/openpgp-keys.test.ts",
      "serves the policy's key until a key is stored, then the stored one",
    ),
    test("test/policy/render.test.ts", "publishes the program's key URL and the Canonical and Policy URLs"),
  ),
  "encryption.guidance": published("advice to reporters on encrypting, on the policy page"),

  "team.requireTwoFactor": enforced(
    "true: members of the program must enrol TOTP and sign in with a second factor (TOTP, a recovery code or a passkey) before they see its cases; passkey: they must have signed in with a passkey (alone or after the password), and a sign-in with a code is sent to add one",
    test("test/auth/two-factor-policy.test.ts", "makes TOTP enrolment mandatory at setup"),
    test(
      "test/auth/two-factor-policy.test.ts",
      "does not let a member without TOTP use the program until they enrol",
    ),
    test(
      "test/auth/passkey-policy.test.ts",
      "withholds a program that requires a passkey from a TOTP sign-in until the member signs in with a passkey",
    ),
    test(
      "test/auth/passkey-policy.test.ts",
      "sends a member without any second factor from the password to the passkeys page",
    ),
  ),
  "team.requireSso": enforced(
    "members of the program sign in through single sign-on (any configured OpenID Connect provider, or the one named): their password is refused with a pointer to the provider's button, and a session that did not come through SSO cannot use the program",
    test(
      "test/auth/sso.test.ts",
      "refuses the password of a member of a program that requires SSO, pointing to the button",
    ),
    test(
      "test/auth/sso-rules.test.ts",
      "withholds those programs from other sessions, narrowing a role on every program",
    ),
  ),
  "team.groups[].id": enforced(
    "a case may be assigned to the group (`group:<id>`) through the case page and the API; an unknown group is refused",
    test(
      "test/workspace/team-groups.test.ts",
      "assigns a case to a team through the form and the API; the page, the inbox and the API name the team",
    ),
    test(
      "test/workspace/team-groups.test.ts",
      "refuses an unknown team with 400 naming the field and writes nothing; a viewer cannot assign",
    ),
  ),
  "team.groups[].name": enforced(
    'the case page, the inbox and the API name a case assigned to the group "Team: <name>"',
    test(
      "test/workspace/team-groups.test.ts",
      "assigns a case to a team through the form and the API; the page, the inbox and the API name the team",
    ),
  ),
  "team.groups[].members": enforced(
    "what the assignee hears reaches the members with an account (by their contact's address); each must be a contact",
    test(
      "test/workspace/team-groups.test.ts",
      "mails a triage change by someone else to the team's members with accounts, not the one without",
    ),
    BROKEN,
  ),
};
