import { MAX_BACKGROUND_LINKS, MAX_LINK_CHARS } from "../../commands/background-links.js";
import { MAX_TITLE_CHARS } from "../../commands/open-incident.js";
import { ANSWER_MAX_CHARS } from "../../intake/report-schema.js";
import { Csrf, describedBy, type Errors, FieldError, StaffLayout } from "./staff-common.js";

/**
 * Opening an incident that did not come from a report (`incident.register`): its title and
 * description, where it comes from (the register's source tags), background links and the
 * affected asset. The program's report template is not asked for: the team writes the incident
 * in its own words. Plain POST form, no JavaScript.
 */

/** The form's fields, by name (errors are shown beside the field of the same name). */
export const INCIDENT_FIELDS = {
  title: "title",
  description: "description",
  sourceTag: "source-tag",
  backgroundLinks: "background-links",
  asset: "asset",
} as const;

export interface NewIncidentPageProps {
  csrfToken: string;
  email: string;
  program: { slug: string; name: string };
  sourceTags: readonly string[];
  backgroundLinks: boolean;
  assets: readonly { id: string; name: string }[];
  /** What the form sent, to show it again beside its errors. */
  values: Readonly<Record<string, string>>;
  errors: Errors;
}

export function NewIncidentPage(props: NewIncidentPageProps) {
  const { errors, values } = props;
  const F = INCIDENT_FIELDS;
  const value = (name: string) => values[name] ?? "";
  return (
    <StaffLayout
      title={`New incident · ${props.program.name}`}
      csrfToken={props.csrfToken}
      email={props.email}
    >
      <p class="meta">
        <a href="/inbox">Inbox</a> › {props.program.name} › new incident
      </p>
      <h1>New incident</h1>
      <p>
        An incident the team found itself (an alert, an issue, a customer's complaint). It becomes a case of{" "}
        {props.program.name} with the same clocks and register rules as a report. There is no reporter: nobody
        outside the team is told.
      </p>
      {errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>The form has a problem:</p>
          {/* Every message, also those of fields this program's form does not show (a tag, links). */}
          <ul>
            {[...errors.values()].map((message) => (
              <li>{message}</li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action={`/programs/${props.program.slug}/incidents`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for={F.title}>Title</label>
          <FieldError errors={errors} field={F.title} />
          <input
            type="text"
            id={F.title}
            name={F.title}
            required
            maxLength={MAX_TITLE_CHARS}
            value={value(F.title)}
            aria-describedby={describedBy(errors, F.title)}
          />
        </div>
        <div class="field">
          <label for={F.description}>Description</label>
          <p class="help" id="description-help">
            What happened, what it affects, what is known so far.
          </p>
          <FieldError errors={errors} field={F.description} />
          <textarea
            id={F.description}
            name={F.description}
            required
            maxLength={ANSWER_MAX_CHARS}
            aria-describedby={describedBy(errors, F.description, "description-help")}
          >
            {value(F.description)}
          </textarea>
        </div>
        {props.sourceTags.length === 0 ? null : (
          <div class="field">
            <label for={F.sourceTag}>Source</label>
            <p class="help" id="source-tag-help">
              Where the incident comes from; kept as the case's source tag.
            </p>
            <FieldError errors={errors} field={F.sourceTag} />
            <select
              id={F.sourceTag}
              name={F.sourceTag}
              required
              aria-describedby={describedBy(errors, F.sourceTag, "source-tag-help")}
            >
              <option value="" selected={value(F.sourceTag) === ""}>
                Choose…
              </option>
              {props.sourceTags.map((tag) => (
                <option value={tag} selected={value(F.sourceTag) === tag}>
                  {tag}
                </option>
              ))}
            </select>
          </div>
        )}
        {props.backgroundLinks ? (
          <div class="field">
            <label for={F.backgroundLinks}>Background links (optional)</label>
            <p class="help" id="background-links-help">
              One https:// or http:// address a line (a support ticket, an alert, an issue); at most{" "}
              {MAX_BACKGROUND_LINKS}, each at most {MAX_LINK_CHARS.toLocaleString("en")} characters.
            </p>
            <FieldError errors={errors} field={F.backgroundLinks} />
            <textarea
              id={F.backgroundLinks}
              name={F.backgroundLinks}
              aria-describedby={describedBy(errors, F.backgroundLinks, "background-links-help")}
            >
              {value(F.backgroundLinks)}
            </textarea>
          </div>
        ) : null}
        <div class="field">
          <label for={F.asset}>Affected asset (optional)</label>
          <FieldError errors={errors} field={F.asset} />
          <select id={F.asset} name={F.asset} aria-describedby={describedBy(errors, F.asset)}>
            <option value="" selected={value(F.asset) === ""}>
              Not known yet
            </option>
            {props.assets.map((asset) => (
              <option value={asset.id} selected={value(F.asset) === asset.id}>
                {asset.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Open the incident</button>
      </form>
    </StaffLayout>
  );
}

/** Where a member chooses the program of a new incident: those with a register they may work. */
export function IncidentProgramsPage(props: {
  csrfToken: string;
  email: string;
  programs: readonly { slug: string; name: string }[];
}) {
  return (
    <StaffLayout title="New incident" csrfToken={props.csrfToken} email={props.email}>
      <h1>New incident</h1>
      {props.programs.length === 0 ? (
        <p>None of the programs you work on keeps an incident register, so there is nothing to open here.</p>
      ) : (
        <ul>
          {props.programs.map((program) => (
            <li>
              <a href={`/programs/${program.slug}/incidents/new`}>New incident in {program.name}</a>
            </li>
          ))}
        </ul>
      )}
    </StaffLayout>
  );
}
