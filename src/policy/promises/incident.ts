import type { Keeper } from "./keepers.js";
import { AGREEMENT, enforced, KITSU_PHASES, published, SKIPPING, test } from "./keepers.js";

/** Who keeps the promises of the incident response: phases and the incident register. */
export const INCIDENT_PROMISES: Readonly<Record<string, Keeper>> = {
  // incident: response phases and the incident register
  "incident.coordinator.role": enforced(
    "the case page names the coordinator: the case's assignee, or the program's leads",
    test(
      "test/workspace/coordinator.test.ts",
      "names the assignee as the coordinator and keeps their duties as a checklist",
    ),
  ),
  "incident.coordinator.duties": enforced(
    "the coordinator's duties are a checklist on the case",
    test(
      "test/workspace/coordinator.test.ts",
      "names the assignee as the coordinator and keeps their duties as a checklist",
    ),
    test("test/workspace/coordinator.test.ts", "has no coordinator where the policy names none (Kafe)"),
  ),
  "incident.keepReporterInformed": enforced(
    "the reporter is mailed every step (state changes, shared incident phases); without it only what asks something of them, answers them or closes the case; their page shows every step either way",
    test(
      "test/jobs/reporter-informed.test.ts",
      "mails every step to a reporter the policy promises to keep informed (Kitsu)",
    ),
    test(
      "test/jobs/reporter-informed.test.ts",
      "mails only what asks something of the reporter or closes the case otherwise (Kafe)",
    ),
  ),
  "incident.phases[].id": enforced(
    "the steps recorded on a case name the phase; unknown phases are refused",
    KITSU_PHASES,
  ),
  "incident.phases[].name": enforced(
    "the phase's name on the case page and in what the reporter is told",
    KITSU_PHASES,
  ),
  "incident.phases[].description": published(
    "words for the team and the reporter: on the case page, and quoted to the reporter when the phase starts",
  ),
  "incident.phases[].questions[].question": enforced(
    "asked on the case while the phase runs; the phase completes only once every question is answered",
    test(
      "test/workspace/incident-assessment.test.ts",
      "records the answers, raises the priority when it is still ongoing, and completes once all are answered",
    ),
  ),
  "incident.phases[].questions[].guidance": published(
    "words for the team, shown with the question on the case page and in the team's view of the policy (not on the public page)",
  ),
  "incident.phases[].questions[].answer": enforced(
    "a yes-no question takes only yes or no; others take free text",
    test("test/workspace/incident-assessment.test.ts", "refuses what is not an answer, and writes nothing"),
  ),
  "incident.phases[].questions[].yesMeans": enforced(
    "a yes raises the case's priority to the program's highest, and the case says so",
    test(
      "test/workspace/incident-assessment.test.ts",
      "records the answers, raises the priority when it is still ongoing, and completes once all are answered",
    ),
    test(
      "test/workspace/incident-assessment.test.ts",
      "takes answers through the staff API, and a viewer's token is refused",
    ),
  ),
  "incident.phases[].tasks": enforced(
    "a checklist on the case; the phase completes only once every task is checked",
    test("test/workspace/incident-register.test.ts", "completes a phase only once its tasks are checked"),
  ),
  "incident.phases[].skippable": enforced(
    "only a skippable phase may be skipped; others are refused",
    KITSU_PHASES,
    SKIPPING,
  ),
  "incident.phases[].notifyReporter": enforced(
    "the reporter is told when the phase starts and completes",
    KITSU_PHASES,
  ),
  "incident.phases[].notifyReporterWhenSkipped": enforced(
    "the reporter is told when the phase is skipped",
    KITSU_PHASES,
    SKIPPING,
  ),
  "incident.fixAllProductionReleases": enforced(
    "moving a case to fixed is refused (409 transition_blocked, production-releases-unfixed) naming each release in production still affected, under investigation or not to be fixed",
    test(
      "test/workspace/affected-releases.test.ts",
      "privacytools: a case is fixed only once every release in production is fixed or not affected",
    ),
  ),
  "incident.phases[].relatedCasesTask": enforced(
    "a checklist item of the phase whose mark links cases of the same program (the likely duplicates offered); the phase completes only once it is checked",
    test(
      "test/workspace/affected-releases.test.ts",
      "privacytools: the audit phase completes only once its related-cases task is checked, linking cases of the program only",
    ),
  ),
  "incident.phases[].endsWithPublicAnnouncement": enforced(
    "the reporter is told a public announcement follows when the phase completes, and the case page asks the team for the draft",
    test(
      "src/domain/incident/phases.test.ts",
      "says a public announcement follows remediation, and invites the reporter to the postmortem",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "asks for the announcement when Kitsu's remediation completes and no draft exists yet",
    ),
  ),
  "incident.phases[].reporterInvited": enforced(
    "the reporter is invited to take part when the phase starts; their case page takes their feedback while it runs (refused before and after), and it is part of the case",
    test(
      "src/domain/incident/phases.test.ts",
      "says a public announcement follows remediation, and invites the reporter to the postmortem",
    ),
    test(
      "test/workspace/postmortem.test.ts",
      "invites the reporter's feedback while the postmortem runs, and tells an action item's owner when it falls due until it is done",
    ),
  ),
  "incident.register.backgroundLinks": enforced(
    "each case of the program keeps a list of http(s) background links (at most 20), edited on the case page, each change one internal event; a new incident may bring them; without the key, links are refused",
    test(
      "test/workspace/staff-incidents.test.ts",
      "adds and removes background links on any case of the program, one internal event each",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses javascript:, data: and other links that are not web addresses, and a 21st link",
    ),
    test("test/workspace/staff-incidents.test.ts", "escapes links and typed text where it renders them"),
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens no incident where there is no register, and keeps a register's choices of tags and links",
    ),
  ),
  "incident.register.sourceTags": enforced(
    "an incident the team opens must name one of these as its source (when the policy lists any; none otherwise), kept as its tag; the triage form offers them as source tags",
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens an incident from the form with a source tag, two links and an asset, for the default assignee, with no reporter",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses a wrong source tag, an unknown asset, huge fields and bad links, and writes nothing",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens no incident where there is no register, and keeps a register's choices of tags and links",
    ),
  ),
  "incident.register.defaultAssignee": enforced(
    "a new case (web, API, mail) is assigned to the member with this contact's address who may work cases",
    test(
      "test/workspace/incident-register.test.ts",
      "assigns new cases to the register's default assignee, a member with the contact's address",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "leaves the case unassigned when the default assignee has no account that may work cases",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "assigns a report that came by mail to the default assignee too",
    ),
  ),
  "incident.register.priorities": enforced(
    "the triage form offers only these priorities, the form and the API refuse any other, and a question whose yes means top priority raises to the highest of them",
    test("src/commands/case-inputs.test.ts", "takes only the priorities the program's register uses"),
  ),
  "incident.register.dueDateRequired": enforced(
    "a case cannot leave triage without a due date; the due date is a clock that warns and tells the assignee, then escalates to the emergency contacts",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "runs the due date as a clock: warns and tells the assignee, then escalates to the CTO",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "owes nothing on the due date of a case fixed or closed in time",
    ),
  ),
  "incident.register.followers": enforced(
    "false: following and unfollowing are refused (409) and not offered, and notifications to followers reach nobody",
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses following where the register has no followers, and shows no follow button",
    ),
  ),
  "incident.register.noIncidentOutcome": enforced(
    "a case may be closed as no-incident only when set",
    test("src/commands/case-inputs.test.ts", "offers the closing outcomes the state and the policy allow"),
    test(
      "test/workspace/lifecycle.test.ts",
      "refuses to close without an outcome, and says why beside the field",
    ),
  ),
  "incident.register.resolutionRequires": enforced(
    "a checklist on the case; it becomes fixed only when every item is checked",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "refuses a checklist item the policy does not have, and writes nothing",
    ),
  ),
  "incident.register.reporterAgreement.required": enforced(
    "moving a case to fixed asks the reporter on their page whether the fix resolves it; closing as resolved and disclosing wait for a yes or a team member's record (with a note)",
    AGREEMENT,
    test("test/workspace/lifecycle.test.ts", "asks no agreement where the policy does not (privacytools)"),
    test(
      "test/workspace/agreement-gate.test.ts",
      "refuses to close as resolved or to disclose while the reporter's agreement is awaited, saying what is awaited",
    ),
    test(
      "test/workspace/agreement-gate.test.ts",
      "a team member records an agreement given another way with a note, which opens the gate; a note missing is refused",
    ),
    test(
      "test/workspace/agreement-gate.test.ts",
      "the reporter's yes opens the gate; a no keeps it closed and tells the team",
    ),
    test(
      "test/workspace/agreement-gate.test.ts",
      "records the affected customer's agreement on an incident the team opened, through the staff API",
    ),
  ),
  "incident.register.reporterAgreement.waitFor": enforced(
    "the reporter's answer is due this long after the fix; then the reporter is reminded by mail once and the team told once",
    AGREEMENT,
    test(
      "test/workspace/agreement-gate.test.ts",
      "after the wait, reminds the reporter by mail once and tells the team once; the gate keeps holding",
    ),
  ),
  "incident.register.reporterAgreement.text": published(
    "the policy's own words for the agreement, on the policy page",
  ),
  "incident.register.classificationRequiredOnClose": enforced(
    "closing a case as resolved needs its priority, severity and CWE; the refusal names the missing ones",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "closes as no incident without a due date or a classification",
    ),
  ),
  "incident.register.problemManagement.when": enforced(
    "the case page gives these as the reasons to open a problem from the case or link it to one; problems (P-1, P-2, … per program) exist only for programs with problem management",
    test(
      "test/workspace/problem-management.test.ts",
      "opens P-1 from a recurring case, links the second, and counts its cases on the problem page",
    ),
    test(
      "test/workspace/problem-management.test.ts",
      "answers 404 for a program whose policy has no problem management (Kafe), and shows no panel",
    ),
  ),
  "incident.register.problemManagement.action": enforced(
    "the case page shows it beside the forms that open, link and unlink problems; a problem records its root cause and its state (open, known error, resolved), and counts its cases",
    test(
      "test/workspace/problem-management.test.ts",
      "opens P-1 from a recurring case, links the second, and counts its cases on the problem page",
    ),
    test(
      "test/workspace/problem-management.test.ts",
      "records the analysis: a known error or a resolved problem needs its root cause",
    ),
  ),
};
