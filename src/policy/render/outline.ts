import type { Policy } from "../schema.js";
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
 */
export type Inline = string | { text: string; href: string } | { strong: string };
export type Rich = Inline[];
export type Block =
  | { kind: "paragraph"; content: Rich }
  | { kind: "list"; items: Rich[] }
  | { kind: "table"; head: string[]; rows: Rich[] }
  | { kind: "subheading"; text: string };
export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}
export interface Outline {
  title: string;
  intro: Rich[];
  sections: Section[];
}

const link = (text: string, href: string): Inline => ({ text, href });
const mail = (address: string): Inline => link(address, `mailto:${address}`);
const paragraph = (...content: Inline[]): Block => ({ kind: "paragraph", content });
const list = (items: Rich[]): Block => ({ kind: "list", items });
const sub = (text: string): Block => ({ kind: "subheading", text });

export function policyOutline(policy: Policy, options: { reportFormUrl?: string } = {}): Outline {
  const sections: Section[] = [
    reporting(policy, options.reportFormUrl),
    contacts(policy),
    encryption(policy),
    scope(policy),
    rules(policy),
    safeHarbor(policy),
    serviceLevels(policy),
    incident(policy),
    disclosure(policy),
    recognition(policy),
    policyChanges(policy),
  ].filter((section): section is Section => section !== undefined && section.blocks.length > 0);
  const intro: Rich[] = [];
  if (policy.program.description !== undefined) intro.push([policy.program.description]);
  if (policy.program.website !== undefined)
    intro.push(["Website: ", link(policy.program.website, policy.program.website)]);
  return { title: `${policy.program.name} security policy`, intro, sections };
}

function reporting(policy: Policy, reportFormUrl: string | undefined): Section {
  const blocks: Block[] = [];
  const template = policy.reportTemplate;
  if (template.intro !== undefined) blocks.push(paragraph(template.intro));
  const channels = policy.channels.filter((c) => c.active && c.purposes.includes("reports"));
  const ways: Rich[] = channels.map((channel) => {
    const target =
      channel.address !== undefined ? mail(channel.address) : link(channel.url ?? "", channel.url ?? "");
    return [`${channel.label}: `, target, ...(channel.note === undefined ? [] : [` — ${channel.note}`])];
  });
  if (reportFormUrl !== undefined)
    ways.unshift(["Private report form: ", link(reportFormUrl, reportFormUrl)]);
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

function serviceLevels(policy: Policy): Section {
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
  const names = new Map(policy.contacts.map((c) => [c.id, c.email ?? c.name]));
  const who = (ids: string[]) => ids.map((id) => names.get(id) ?? `the ${id}`).join(", ");
  const escalations: Rich[] = policy.escalation.map((rule) => {
    const clock = clocks.find((c) => c.id === rule.clock);
    const parts = [`${humanize(rule.clock)}: `];
    if (rule.warn !== undefined)
      parts.push(`at ${rule.warn.atPercent}% of the time we remind ${who(rule.warn.notify)}; `);
    parts.push(
      `if ${clock === undefined ? "it" : "the promise"} is missed we alert ${who(rule.breach.notify)}`,
    );
    if (rule.repeat !== undefined) {
      parts.push(
        `, and again every ${describeDuration(rule.repeat.every)} (${who(rule.repeat.notify)}) until someone acts`,
      );
    }
    parts.push(".");
    if (rule.breach.message !== undefined) parts.push(` ${rule.breach.message}`);
    return [parts.join("")];
  });
  if (escalations.length > 0) blocks.push(sub("When we are late"), list(escalations));
  return { id: "response-times", title: "Response times", blocks };
}

function incident(policy: Policy): Section {
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
          for (const q of phase.questions)
            rich.push(` ${q.question}${q.guidance === undefined ? "" : ` ${q.guidance}`}`);
          if (phase.tasks.length > 0) rich.push(` Tasks: ${phase.tasks.join("; ")}.`);
          if (notes.length > 0) rich.push(` (${notes.join("; ")})`);
          return rich;
        }),
      ),
    );
  }
  const reg = inc.register;
  if (reg !== undefined) {
    const items: Rich[] = [];
    if (reg.backgroundLinks)
      items.push(["Each case links to its background information (for example a support ticket)."]);
    if (reg.sourceTags.length > 0)
      items.push([`Cases are tagged with their source: ${reg.sourceTags.join(", ")}.`]);
    if (reg.defaultAssignee !== undefined) {
      const lead = policy.contacts.find((c) => c.id === reg.defaultAssignee);
      items.push([`When unsure whom to assign a case to, it goes to ${lead?.name ?? reg.defaultAssignee}.`]);
    }
    items.push([
      `Triage sets a priority (${reg.priorities.join(", ")})${reg.dueDateRequired ? " and a due date" : ""}.`,
    ]);
    if (reg.noIncidentOutcome) items.push(["Triage may find that no incident exists."]);
    if (reg.followers) items.push(["Interested people follow a case and are told of its changes."]);
    if (reg.resolutionRequires.length > 0)
      items.push([`Resolution includes: ${reg.resolutionRequires.join("; ")}.`]);
    if (reg.reporterAgreement?.required) {
      items.push([
        `The affected party agrees that the case is resolved before it moves on; we wait ${describeDuration(reg.reporterAgreement.waitFor)} for an answer.`,
      ]);
    }
    if (reg.classificationRequiredOnClose)
      items.push(["A case is closed only with an accurate classification."]);
    if (reg.problemManagement !== undefined) {
      items.push([`When ${reg.problemManagement.when.join(" or ")}: ${reg.problemManagement.action}`]);
    }
    blocks.push(sub("Incident register"), list(items));
  }
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
