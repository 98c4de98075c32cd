import type { Policy } from "../../policy/schema.js";
import type { ReporterNotice, TaskEscalation } from "./plan.js";

/**
 * The words of the disclosure plan's mail: to the reporter (the embargo ended, they may publish,
 * a date they see moved) and to the emergency and lead contacts (a task a day overdue). Pure.
 * The reporter's mail carries the team's words (a move's reason) only when they may read it in
 * mail (encrypted to their key, or they wrote in clear to a program that allows it, as
 * src/jobs/notification-content.ts decides for replies); otherwise their private page has them.
 * Both name the case by its reference (`KITSU-12`, `caseLabel` in src/domain/cases/case-number.ts),
 * never by its title; the reporter's subjects lead with it, as all their mail does, for them to quote.
 */

export interface PlanMail {
  event: string;
  subject: string;
  text: string;
}

/** "2027-01-31 10:00 UTC". */
export function utcDate(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/:\d{2}\.\d{3}Z$/, " UTC");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function reporterPlanMail(
  policy: Policy,
  notice: ReporterNotice,
  reporter: { mayRead: boolean; answerByMail: boolean },
  ref: string,
): PlanMail {
  const name = oneLine(policy.program.name);
  const outro = reporter.answerByMail
    ? "Answer this message to reply, or use the private link from your receipt. Never share that link."
    : "Open the private link from your receipt to see your case. Never share that link.";
  let lines: string[];
  let subject: string;
  switch (notice.kind) {
    case "embargo-ended":
      subject = `[${name}] ${ref}: the embargo on your report has ended`;
      lines = [
        `The embargo on the report you sent to ${name} ended on ${utcDate(notice.date)}.`,
        "You may now disclose it.",
      ];
      break;
    case "may-publish":
      subject = `[${name}] ${ref}: you may now publish your report`;
      lines = [
        `${name}'s disclosure plan for the report you sent has reached its disclosure date (${utcDate(notice.date)}).`,
        "You may now publish the details of your report.",
      ];
      break;
    case "date-moved": {
      const from = notice.move.from === null ? "" : ` from ${utcDate(notice.move.from)}`;
      subject = `[${name}] ${ref}: a date of your report's disclosure moved`;
      lines = [
        `The team moved ${notice.label} of the report you sent to ${name}${from} to ${utcDate(notice.date)}.`,
        reporter.mayRead
          ? `Their reason:\n\n${notice.move.reason
              .split("\n")
              .map((line) => `> ${line}`)
              .join("\n")}`
          : "Their reason is on your private case page.",
      ];
      break;
    }
  }
  return {
    event: `disclosure.reporter_${notice.kind.replace("-", "_")}`,
    subject,
    text: [...lines, outro].join("\n\n"),
  };
}

export function taskEscalationMail(policy: Policy, step: TaskEscalation, ref: string): PlanMail {
  const name = oneLine(policy.program.name);
  return {
    event: "disclosure.task_overdue",
    subject: `[${name}] Disclosure task overdue (${ref})`,
    text: [
      `Case ${ref}: a task of the disclosure phase "${oneLine(step.phaseName)}" is still open a day after it fell due (${utcDate(step.dueAt)}).`,
      `- ${oneLine(step.task.text)}`,
    ].join("\n\n"),
  };
}
