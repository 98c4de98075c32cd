import type { Policy } from "../schema.js";
import type { Block, Inline, Outline, Rich, Section } from "./outline-types.js";
import { escalationBlocks, phaseChecklist, registerBlocks, teamSections } from "./team-outline.js";
import {
  describeCalendar,
  describeClock,
  describeDuration,
  humanize,
  ROLE_NAMES,
  usesBusinessTime,
} from "./words.js";

/**
 * A policy as a document outline: sections of paragraphs, lists and tables of rich text.
 * Markdown and HTML render this one outline, so both always say the same thing and every
 * section of the policy file appears in both.
 *
 * The public outline (the policy page, SECURITY.md) says what the reporter is promised; the
 * team's (`audience: "team"`) adds how the team keeps it: escalation, the incident checklists
 * and register, notifications and the team (src/policy/render/team-outline.ts).
 */
export type { Block, Inline, Outline, Rich, Section } from "./outline-types.js";

const link = (text: string, href: string): Inline => ({ text, href });
const mail = (address: string): Inline => link(address, `mailto:${address}`);
const paragraph = (...content: Inline[]): Block => ({ kind: "paragraph", content });
const list = (items: Rich[]): Block => ({ kind: "list", items });
const sub = (text: string): Block => ({ kind: "subheading", text });

export interface OutlineOptions {
  /** The report form's absolute URL, shown as the link's text (and its target unless `reportFormHref`). */
  reportFormUrl?: string;
  /** Where the link points, when not the URL itself: the policy page links relatively (works on http). */
  reportFormHref?: string;
  /** "public" (default): what the reporter is promised. "team": everything the policy says. */
  audience?: "public" | "team";
}

export function policyOutline(policy: Policy, options: OutlineOptions = {}): Outline {
  const team = options.audience === "team";
  const form =
    options.reportFormUrl === undefined
      ? undefined
      : link(options.reportFormUrl, options.reportFormHref ?? options.reportFormUrl);
  const sections: Section[] = [
    reporting(policy, form),
    contacts(policy),
    encryption(policy),
    scope(policy),
    rules(policy),
    safeHarbor(policy),
    serviceLevels(policy, team),
    incident(policy, team),
    disclosure(policy),
    recognition(policy),
    retention(policy),
    policyChanges(policy),
    ...(team ? teamSections(policy) : []),
  ].filter((section): section is Section => section !== undefined && section.blocks.length > 0);
  const intro: Rich[] = [];
  if (policy.program.description !== undefined) intro.push([policy.program.description]);
  if (policy.program.website !== undefined)
    intro.push(["Website: ", link(policy.program.website, policy.program.website)]);
  return { title: `${policy.program.name} security policy`, intro, sections };
}

function reporting(policy: Policy, form: Inline | undefined): Section {
  const blocks: Block[] = [];
  const template = policy.reportTemplate;
  if (template.intro !== undefined) blocks.push(paragraph(template.intro));
  const channels = policy.channels.filter((c) => c.active && c.purposes.includes("reports"));
  const ways: Rich[] = channels.map((channel) => {
    const target =
      channel.address !== undefined ? mail(channel.address) : link(channel.url ?? "", channel.url ?? "");
    return [`${channel.label}: `, target, ...(channel.note === undefined ? [] : [` — ${channel.note}`])];
  });
  if (form !== undefined) ways.unshift(["Private report form: ", form]);
  blocks.push(paragraph("Report a security problem privately through one of these channels:"), list(ways));
  blocks.push(sub("What to include"));
  blocks.push(
    list(
      template.fields.map((field) => [
        { strong: field.label },
        field.required ? " (required)" : " (optional)",
        ...(field.help === undefined ? [] : [` — ${field.help}`]),
        ...(field.choices === undefined ? [] : [` Choices: ${field.choices.join(", ")}.`]),
      ]),
    ),
  );
  if (template.subjectGuidance !== undefined) blocks.push(paragraph(template.subjectGuidance));
  for (const channel of policy.channels.filter((c) => c.active && c.purposes.includes("proof-of-concept"))) {
    blocks.push(paragraph(`${channel.label}: `, link(channel.url ?? "", channel.url ?? "")));
  }
  return { id: "reporting", title: "Reporting a vulnerability", blocks };
}

function contacts(policy: Policy): Section {
  const people: Rich[] = policy.contacts.map((contact) => {
    const roles = contact.roles.map((role) => ROLE_NAMES[role] ?? role).join(", ");
    const parts: Rich = [{ strong: contact.name }, ` (${roles})`];
    if (contact.title !== undefined) parts.push(`, ${contact.title}`);
    if (contact.email !== undefined) parts.push(" — ", mail(contact.email));
    if (contact.url !== undefined) parts.push(" — ", link(contact.url, contact.url));
    if (contact.openpgpKey?.url !== undefined) parts.push(" — ", link("OpenPGP key", contact.openpgpKey.url));
    return parts;
  });
  const blocks: Block[] = [list(people)];
  const other = policy.channels.filter((c) => !c.purposes.includes("reports") || !c.active);
  if (other.length > 0) {
    blocks.push(sub("Other channels"));
    blocks.push(
      list(
        other.map((channel) => {
          const target =
            channel.address !== undefined
              ? mail(channel.address)
              : link(channel.url ?? "", channel.url ?? "");
          const notes = [
            channel.access === "public" ? undefined : channel.access,
            channel.active ? undefined : "no longer used",
            channel.note,
          ].filter((note) => note !== undefined);
          return [`${channel.label}: `, target, ...(notes.length === 0 ? [] : [` (${notes.join("; ")})`])];
        }),
      ),
    );
  }
  return { id: "contacts", title: "Contacts", blocks };
}

function encryption(policy: Policy): Section {
  const enc = policy.encryption;
  const blocks: Block[] = [];
  if (enc.allCommunication)
    blocks.push(paragraph("All communication with every party is encrypted with OpenPGP."));
  const reports = {
    required: "Reports must be encrypted with our OpenPGP key.",
    encouraged: "We encourage you to encrypt your report with our OpenPGP key.",
    optional: undefined,
  }[enc.reports];
  if (reports !== undefined) blocks.push(paragraph(reports));
  if (enc.openpgpKey?.url !== undefined)
    blocks.push(paragraph("Our key: ", link(enc.openpgpKey.url, enc.openpgpKey.url)));
  if (enc.guidance !== undefined) blocks.push(paragraph(enc.guidance));
  return { id: "encryption", title: "Encryption", blocks };
}

function scope(policy: Policy): Section {
  const asset = (a: Policy["scope"]["inScope"][number] & { reason?: string }): Rich => [
    { strong: a.name },
    ` (${humanize(a.kind).toLowerCase()})`,
    ...(a.url === undefined ? [] : [" — ", link(a.url, a.url)]),
    ...(a.description === undefined ? [] : [` — ${a.description}`]),
    ...(a.reason === undefined ? [] : [` — ${a.reason}`]),
  ];
  const blocks: Block[] = [sub("In scope"), list(policy.scope.inScope.map(asset))];
  // SECURITY.md's customary "Supported versions" table: which releases still get fixes.
  const releases = policy.scope.inScope.flatMap((a) =>
    (a.releases ?? []).map((r): Rich => [a.name, r.version, r.inProduction ? "yes" : "no"]),
  );
  if (releases.length > 0) {
    blocks.push(sub("Supported versions"), {
      kind: "table",
      head: ["Asset", "Version", "Supported"],
      rows: releases,
    });
  }
  if (policy.scope.outOfScope.length > 0)
    blocks.push(sub("Out of scope"), list(policy.scope.outOfScope.map(asset)));
  if (policy.scope.excludedActivities.length > 0) {
    blocks.push(sub("Do not"), list(policy.scope.excludedActivities.map((a) => [a.description])));
  }
  if (policy.scope.thirdPartyReports !== undefined) {
    blocks.push(sub("Third-party projects"), paragraph(policy.scope.thirdPartyReports.message));
  }
  return { id: "scope", title: "Scope", blocks };
}

function rules(policy: Policy): Section {
  return {
    id: "rules-of-engagement",
    title: "Rules of engagement",
    blocks: policy.rulesOfEngagement.length === 0 ? [] : [list(policy.rulesOfEngagement.map((r) => [r]))],
  };
}

function safeHarbor(policy: Policy): Section | undefined {
  const harbor = policy.safeHarbor;
  if (harbor === undefined) return undefined;
  const blocks: Block[] = [paragraph(harbor.text)];
  if (harbor.noLegalAction)
    blocks.push(paragraph("We will not pursue or support legal action related to your research."));
  if (harbor.conditions.length > 0) blocks.push(list(harbor.conditions.map((c) => [c])));
  return { id: "safe-harbor", title: "Safe harbor", blocks };
}

function retention(policy: Policy): Section | undefined {
  const kept = policy.retention;
  if (kept === undefined) return undefined;
  const days = (value: { days: number }) => `${value.days} day${value.days === 1 ? "" : "s"}`;
  const items: Inline[][] = [];
  if (kept.contactDetailsAfterClose !== undefined)
    items.push([
      `Your contact details are erased ${days(kept.contactDetailsAfterClose)} after your report is closed.`,
    ]);
  if (kept.attachmentsAfterClose !== undefined)
    items.push([
      `Files you sent are deleted ${days(kept.attachmentsAfterClose)} after your report is closed.`,
    ]);
  if (kept.caseAfterClose !== undefined)
    items.push([`Everything your report says is erased ${days(kept.caseAfterClose)} after it is closed.`]);
  if (items.length === 0) return undefined;
  return { id: "retention", title: "Data retention", blocks: [list(items)] };
}

function serviceLevels(policy: Policy, team: boolean): Section {
  const { clocks, calendar } = policy.serviceLevels;
  const blocks: Block[] = [];
  if (clocks.length === 0) {
    blocks.push(paragraph("This policy makes no promise about response times."));
    return { id: "response-times", title: "Response times", blocks };
  }
  blocks.push(
    list(
      clocks.map((clock) => [
        describeClock(clock),
        ...(clock.promise === undefined ? [] : [` “${clock.promise}”`]),
      ]),
    ),
  );
  if (clocks.some((clock) => usesBusinessTime(clock.within))) {
    blocks.push(paragraph(`Business time: ${describeCalendar(calendar)}.`));
  }
  // Who is reminded and alerted when a promise runs late is the team's business, not a promise.
  if (team) blocks.push(...escalationBlocks(policy));
  return { id: "response-times", title: "Response times", blocks };
}

function incident(policy: Policy, team: boolean): Section {
  const inc = policy.incident;
  const blocks: Block[] = [];
  if (inc.coordinator !== undefined) {
    const who =
      inc.coordinator.role === "assignee" ? "The person assigned to your report" : "Our security lead";
    blocks.push(paragraph(`${who} coordinates: ${inc.coordinator.duties.join(", ")}.`));
  }
  if (inc.keepReporterInformed) blocks.push(paragraph("We keep you informed as we work on each step."));
  if (inc.phases.length > 0) {
    blocks.push(
      list(
        inc.phases.map((phase, index) => {
          const notes = [
            phase.skippable ? "may be skipped" : undefined,
            phase.notifyReporterWhenSkipped ? "we tell you if we skip it" : undefined,
            phase.notifyReporter ? "we tell you when it starts and ends" : undefined,
            phase.endsWithPublicAnnouncement ? "ends with a public announcement" : undefined,
            phase.reporterInvited ? "you are invited to take part" : undefined,
          ].filter((note) => note !== undefined);
          const rich: Rich = [{ strong: `${index + 1}. ${phase.name}` }];
          if (phase.description !== undefined) rich.push(` — ${phase.description}`);
          // The questions and tasks are the team's checklist on the case page.
          if (team) rich.push(...phaseChecklist(phase));
          if (notes.length > 0) rich.push(` (${notes.join("; ")})`);
          return rich;
        }),
      ),
    );
  }
  // The affected party's say in the resolution is a promise to them; the rest of the register is
  // how the team files its cases.
  const agreement = inc.register?.reporterAgreement;
  if (agreement?.required) {
    blocks.push(
      paragraph(
        `The affected party agrees that the case is resolved before it moves on; we wait ${describeDuration(agreement.waitFor)} for an answer.`,
      ),
    );
    if (agreement.text !== undefined) blocks.push(paragraph(agreement.text));
  }
  if (team) blocks.push(...registerBlocks(policy));
  return { id: "incident-response", title: "Incident response", blocks };
}

function disclosure(policy: Policy): Section {
  const d = policy.disclosure;
  const blocks: Block[] = [];
  if (d.embargo !== undefined) {
    blocks.push(
      paragraph(
        `Please keep the issue confidential for ${describeDuration(d.embargo.within)} from the time we receive your report.`,
      ),
    );
    if (d.embargo.text !== undefined) blocks.push(paragraph(d.embargo.text));
  }
  if (d.reporterWarning?.required) {
    const how = d.reporterWarning.written ? "written warning" : "warning";
    blocks.push(paragraph(`Give us ${how} before you disclose the issue to anyone else.`));
  }
  if (d.phases.length > 0) {
    blocks.push({
      kind: "table",
      head: ["Day", "Phase", "Audience", "Actions"],
      rows: d.phases.map((phase) => [
        `${phase.day}${phase.relativeTo === "fix-release" ? " after the fix release" : " after the report"}`,
        phase.name,
        phase.audiences.join(", "),
        phase.actions.map((a) => a.text).join("; "),
      ]),
    });
  }
  if (d.wording !== undefined) {
    const where = d.wording.appliesTo === "open-source" ? "Public fixes of open-source code" : "Public fixes";
    blocks.push(
      paragraph(`${where} never use the words: ${d.wording.forbiddenWords.join(", ")}.`),
      ...(d.wording.guidance === undefined ? [] : [paragraph(d.wording.guidance)]),
    );
  }
  if (d.userNotification !== undefined) {
    const channels = d.userNotification.channels.map((c) => humanize(c).toLowerCase()).join(" or ");
    const when = d.userNotification.when === "user-data-affected" ? "When user data is affected, w" : "W";
    blocks.push(paragraph(`${when}e tell affected users by ${channels}.`));
    if (d.userNotification.text !== undefined) blocks.push(paragraph(d.userNotification.text));
  }
  if (d.authorityNotification !== undefined) {
    const authority = d.authorityNotification.authority ?? "the authorities";
    blocks.push(
      paragraph(
        `Privacy incidents are reported to ${authority} within ${describeDuration(d.authorityNotification.within)}.`,
      ),
    );
  }
  if (d.publicAnnouncement) blocks.push(paragraph("Fixed vulnerabilities are announced publicly."));
  return { id: "disclosure", title: "Disclosure", blocks };
}

function recognition(policy: Policy): Section {
  const r = policy.recognition;
  const blocks: Block[] = [];
  if (r.credit !== undefined) {
    const conditions = [
      r.credit.firstReporterOnly ? "if you are the first to report the issue" : undefined,
      r.credit.requiresChange ? "and we make a code or configuration change based on it" : undefined,
    ].filter((c) => c !== undefined);
    blocks.push(paragraph(`We credit you${conditions.length === 0 ? "" : ` ${conditions.join(" ")}`}, in:`));
    blocks.push(list(r.credit.places.map((p) => (p.url === undefined ? [p.name] : [link(p.name, p.url)]))));
  }
  const reward = {
    none: undefined,
    bounty: "a bounty",
    gift: "a gift",
    "bounty-or-gift": "a bounty or a gift",
  }[r.reward.kind];
  if (reward !== undefined)
    blocks.push(paragraph(`Reward: ${reward}.${r.reward.text === undefined ? "" : ` ${r.reward.text}`}`));
  if (r.thanks !== undefined) blocks.push(paragraph(r.thanks));
  return { id: "recognition", title: "Recognition", blocks };
}

function policyChanges(policy: Policy): Section | undefined {
  const changes = policy.policyChanges;
  if (changes === undefined) return undefined;
  const blocks: Block[] = [];
  if (changes.text !== undefined) blocks.push(paragraph(changes.text));
  if (changes.url !== undefined)
    blocks.push(
      paragraph(
        `Propose a change by ${humanize(changes.via).toLowerCase()}: `,
        link(changes.url, changes.url),
      ),
    );
  return { id: "policy-changes", title: "Changes to this policy", blocks };
}
