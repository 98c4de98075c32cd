import type { Policy } from "../schema.js";
import type { Block, Rich, Section } from "./outline-types.js";
import { describeDuration, humanize } from "./words.js";

/**
 * What only the team sees of a policy (GET /admin/policies/{program}, src/web/views/policy-team-page.tsx):
 * who is reminded and alerted when a promise runs late, the incident checklists and register,
 * where notices go and the team's groups. These are how the team keeps its promises, not promises
 * to the reporter: the public page, SECURITY.md and policy.json leave them out (outline.ts,
 * public-policy.ts), and the timers, case page and notifications enforce them.
 */

type Phase = Policy["incident"]["phases"][number];

const paragraph = (...content: Rich): Block => ({ kind: "paragraph", content });
const list = (items: Rich[]): Block => ({ kind: "list", items });
const sub = (text: string): Block => ({ kind: "subheading", text });

/** "Acknowledge: at 75% of the time we remind …; if the promise is missed we alert …", one per rule. */
export function escalationLines(policy: Policy): string[] {
  const names = new Map(policy.contacts.map((c) => [c.id, c.email ?? c.name]));
  const who = (ids: string[]) => ids.map((id) => names.get(id) ?? `the ${id}`).join(", ");
  return policy.escalation.map((rule) => {
    const clock = policy.serviceLevels.clocks.find((c) => c.id === rule.clock);
    const parts = [`${humanize(rule.clock)}: `];
    if (rule.warn !== undefined)
      parts.push(`at ${rule.warn.atPercent}% of the time we remind ${who(rule.warn.notify)}; `);
    parts.push(
      `if ${clock === undefined ? "it" : "the promise"} is missed we alert ${who(rule.breach.notify)}`,
    );
    if (rule.repeat !== undefined) {
      const times = rule.repeat.maxTimes === undefined ? "" : `, at most ${rule.repeat.maxTimes} times`;
      parts.push(
        `, and again every ${describeDuration(rule.repeat.every)} (${who(rule.repeat.notify)}) until someone acts${times}`,
      );
    }
    parts.push(".");
    if (rule.breach.message !== undefined) parts.push(` ${rule.breach.message}`);
    return parts.join("");
  });
}

/** The escalation rules, in the response times section of the team view. */
export function escalationBlocks(policy: Policy): Block[] {
  const lines = escalationLines(policy);
  return lines.length === 0 ? [] : [sub("When we are late"), list(lines.map((line) => [line]))];
}

/** A phase's questions and checklist, as the case page asks them while the phase runs. */
export function phaseChecklist(phase: Phase): Rich {
  const rich: Rich = [];
  for (const q of phase.questions)
    rich.push(` ${q.question}${q.guidance === undefined ? "" : ` ${q.guidance}`}`);
  const tasks = [...phase.tasks, ...(phase.relatedCasesTask === undefined ? [] : [phase.relatedCasesTask])];
  if (tasks.length > 0) rich.push(` Tasks: ${tasks.join("; ")}.`);
  return rich;
}

/** The incident register's rules (the reporter's agreement is a promise: outline.ts shows it to everyone). */
export function registerBlocks(policy: Policy): Block[] {
  const reg = policy.incident.register;
  if (reg === undefined) return [];
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
  if (reg.classificationRequiredOnClose)
    items.push(["A case is closed only with an accurate classification."]);
  if (reg.problemManagement !== undefined) {
    items.push([`When ${reg.problemManagement.when.join(" or ")}: ${reg.problemManagement.action}`]);
  }
  return [sub("Incident register"), list(items)];
}

/** The sections only the team view has: where notices go, the team, how advisories are published. */
export function teamSections(policy: Policy): Section[] {
  const names = new Map(policy.contacts.map((c) => [c.id, c.name]));
  const who = (ids: readonly string[]) => ids.map((id) => names.get(id) ?? id).join(", ");
  const { notifications, team } = policy;

  const notices: Block[] = [
    paragraph(
      notifications.newReport === undefined
        ? "New reports are announced to the points of contact."
        : `New reports are announced to: ${who(notifications.newReport)}.`,
    ),
    paragraph(
      notifications.email.confidential
        ? "Mail to the team carries report titles and message words."
        : "Mail to the team says only what happened, with a link to the case.",
    ),
  ];
  if (notifications.webhooks.length > 0) {
    notices.push(
      sub("Webhooks"),
      list(
        notifications.webhooks.map((hook) => [
          { strong: hook.id },
          // The URL of a chat webhook is a secret: the view names where it comes from, never the URL.
          ` (${hook.format}, URL ${hook.urlFromEnv === undefined ? "in the policy file" : `from ${hook.urlFromEnv}`}): ${hook.topics.join(", ")}`,
          hook.confidential ? "; with report content." : "; without report content.",
        ]),
      ),
    );
  }

  const teamBlocks: Block[] = [
    paragraph(
      team.requireTwoFactor === "passkey"
        ? "Members must sign in with a passkey (phishing-resistant) before they see this program's cases."
        : team.requireTwoFactor
          ? "Members must sign in with a second factor (TOTP) before they see this program's cases."
          : "Members may sign in without a second factor.",
    ),
  ];
  // The provider is named by its id (EMBARGO_OIDC_PROVIDERS): the policy knows no more of it.
  if (team.requireSso === true)
    teamBlocks.push(
      paragraph(
        "Members sign in through single sign-on only (any configured identity provider); their password does not give them this program.",
      ),
    );
  else if (typeof team.requireSso === "string")
    teamBlocks.push(
      paragraph(
        `Members sign in through single sign-on only, with the identity provider "${team.requireSso}"; their password does not give them this program.`,
      ),
    );
  if (team.groups !== undefined && team.groups.length > 0) {
    teamBlocks.push(
      sub("Groups"),
      list(team.groups.map((group) => [{ strong: group.name }, `: ${who(group.members)}`])),
    );
  }
  const secondApproval = policy.disclosure.advisories?.secondApproval ?? true;
  teamBlocks.push(
    paragraph(
      secondApproval
        ? "Publishing an advisory needs the approval of a second member."
        : "One member may publish an advisory alone.",
    ),
  );

  return [
    { id: "team-notifications", title: "Notifications to the team", blocks: notices },
    { id: "team", title: "The team", blocks: teamBlocks },
  ];
}
