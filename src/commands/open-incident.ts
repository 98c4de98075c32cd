import { defaultAssigneeEmail } from "../domain/incident/register.js";
import { acknowledgeBy } from "../intake/programs.js";
import { ANSWER_MAX_CHARS } from "../intake/report-schema.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import type { NewEvent } from "../store/event-log.js";
import { StaffCommandError } from "../store/staff-errors.js";
import { checkActor, normaliseTags, type TeamActor } from "../store/staff-validation.js";
import { backgroundLinksEvent, checkBackgroundLinks } from "./background-links.js";
import { type CommandDeps, changeCase } from "./case-change.js";
import { submitReport } from "./submit-report.js";

/**
 * An incident the team opens itself (`incident.register`): from an alert, an issue, a customer's
 * complaint, not from a report. It becomes a case like any other (`opened_by` names the member), through the
 * same `submitReport`: the same clocks, the register's default assignee, its due date and
 * checklists. There is no reporter: no contact is stored, no receipt or mail goes out, and the
 * private reporter link the case row needs is made and thrown away, shown to nobody.
 *
 * The first events are the team member's: `case.received` (its source the door: `web` for the
 * staff form, `api`), then the source tag
 * as a triage change (tags are where the triage form keeps source tags) and the background links.
 */

export const MAX_TITLE_CHARS = 200;
/** The description is kept as the report's `description` answer, so the case page shows it. */
export const DESCRIPTION_FIELD = "description";

/** What a person or a client sends; empty text means "none". */
export interface IncidentRequest {
  title: string;
  description: string;
  sourceTag: string;
  backgroundLinks: readonly string[];
  asset: string;
}

export type IncidentField = "title" | "description" | "sourceTag" | "backgroundLinks" | "asset";

export interface IncidentProblem {
  field: IncidentField;
  message: string;
}

interface CheckedIncident {
  title: string;
  description: string;
  sourceTag: string | null;
  links: string[];
  assetId: string | null;
}

/** The program keeps no incident register: no incident can be opened in it (the routes answer 404). */
export class NoIncidentRegisterError extends StaffCommandError {
  constructor() {
    super("embargo.incident.noRegister", "this program keeps no incident register");
    this.name = "NoIncidentRegisterError";
  }
}

/** Checks a new incident against the policy; every problem at once, one per field. */
export function checkIncident(
  policy: Policy,
  request: IncidentRequest,
): { ok: true; incident: CheckedIncident } | { ok: false; errors: IncidentProblem[] } {
  const register = policy.incident.register;
  if (register === undefined) throw new NoIncidentRegisterError();
  const errors: IncidentProblem[] = [];
  const refuse = (field: IncidentField, message: string) => errors.push({ field, message });

  const title = request.title.trim();
  if (title === "") refuse("title", "Give the incident a short title.");
  else if (title.length > MAX_TITLE_CHARS)
    refuse("title", `A title may have at most ${MAX_TITLE_CHARS} characters.`);

  const description = request.description.trim();
  if (description === "") refuse("description", "Describe the incident.");
  else if (description.length > ANSWER_MAX_CHARS)
    refuse(
      "description",
      `A description may have at most ${ANSWER_MAX_CHARS.toLocaleString("en")} characters.`,
    );

  const tag = request.sourceTag.trim();
  let sourceTag: string | null = null;
  if (register.sourceTags.length === 0) {
    if (tag !== "") refuse("sourceTag", "This program has no source tags.");
  } else if (tag === "") {
    refuse("sourceTag", `Choose where the incident comes from: ${register.sourceTags.join(", ")}.`);
  } else if (!register.sourceTags.includes(tag)) {
    refuse("sourceTag", `Not one of this program's source tags: ${register.sourceTags.join(", ")}.`);
  } else if (!isTag(tag)) {
    refuse("sourceTag", "This source tag is too long to keep as a tag (at most 48 characters).");
  } else {
    sourceTag = tag;
  }

  let links: string[] = [];
  const given = request.backgroundLinks.filter((line) => line.trim() !== "");
  if (!register.backgroundLinks) {
    if (given.length > 0) refuse("backgroundLinks", "This program keeps no background links.");
  } else {
    const checked = checkBackgroundLinks(given);
    if (checked.ok) links = checked.urls;
    else refuse("backgroundLinks", checked.message);
  }

  const asset = request.asset.trim();
  if (asset !== "" && !policy.scope.inScope.some((candidate) => candidate.id === asset))
    refuse("asset", "Not one of this program's in-scope assets.");

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    incident: { title, description, sourceTag, links, assetId: asset === "" ? null : asset },
  };
}

/** Whether a policy id may be kept as a case tag (at most 48 characters: src/store/staff-validation.ts). */
function isTag(tag: string): boolean {
  try {
    return normaliseTags([tag]).length === 1;
  } catch {
    return false;
  }
}

export type OpenOutcome = { ok: true; caseId: string } | { ok: false; errors: IncidentProblem[] };

/**
 * Opens the incident as a case of `program`, the actor its author, in one transaction: the case
 * and its first events (see above), the default assignment, the source tag and the links.
 */
export async function openIncident(
  deps: CommandDeps,
  program: LoadedPolicy,
  actor: TeamActor,
  request: IncidentRequest,
  /** The door: the staff form (`web`) or the staff API (`api`). */
  via: "web" | "api",
): Promise<OpenOutcome> {
  checkActor(actor);
  const policy = program.policy;
  const checked = checkIncident(policy, request);
  if (!checked.ok) return checked;
  const { incident } = checked;
  const tags = incident.sourceTag === null ? [] : normaliseTags([incident.sourceTag]);
  const at = deps.clock();
  const firstWork: NewEvent[] = [];
  if (tags.length > 0)
    firstWork.push({ type: "case.triage_updated", actor, at, payload: { tags: { from: [], to: tags } } });
  if (incident.links.length > 0)
    firstWork.push(
      backgroundLinksEvent(actor, at, { added: incident.links, removed: [], links: incident.links }),
    );

  // The reporter token submitReport returns is dropped here: there is no reporter to give it to.
  const { caseId } = await submitReport(
    deps,
    {
      program: policy.program.slug,
      source: via,
      assetId: incident.assetId,
      title: incident.title,
      fields: { [DESCRIPTION_FIELD]: incident.description },
      credit: { mode: "anonymous" },
      contact: {},
      attachments: [],
      receivedAt: at,
      acknowledgeBy: acknowledgeBy(program, at),
      defaultAssignee: defaultAssigneeEmail(policy),
      openedBy: actor,
    },
    async (trx, id) => {
      await changeCase(trx, deps, { id }, at, () => ({
        result: undefined,
        events: firstWork,
        write: async (trx) => {
          if (tags.length > 0)
            await trx
              .insertInto("case_tags")
              .values(tags.map((tag) => ({ case_id: id, tag })))
              .execute();
        },
      }));
    },
  );
  return { ok: true, caseId };
}
