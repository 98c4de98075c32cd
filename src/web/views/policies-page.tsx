import { formatProblem, type PolicyProblem } from "../../policy/problems.js";
import { Csrf, Notice, ScrollingTable, StaffLayout } from "./staff-common.js";

/**
 * The programs served now, from which policy files, and the button that reads the files again
 * (src/web/routes/policy-reload.ts). A refused reload shows why, problem by problem, above the
 * list of the policies that are still served.
 */
export interface PoliciesPageProps {
  csrfToken: string;
  email: string;
  programs: readonly { slug: string; name: string; file: string }[];
  defaultProgram: string;
  notice?: string;
  refusal?: { message: string; problems: readonly PolicyProblem[] };
  /**
   * Contacts of programs with `encryption.allCommunication` whose team mail cannot be encrypted
   * (src/notify/team-mail-keys.ts): they get no report content until the policy gives a key.
   */
  unencryptable: readonly { program: string; contactId: string; message: string }[];
}

export function PoliciesPage(props: PoliciesPageProps) {
  return (
    <StaffLayout title="Program policies" csrfToken={props.csrfToken} email={props.email}>
      <h1>Program policies</h1>
      <Notice text={props.notice} />
      {props.refusal === undefined ? null : (
        <div class="errors" role="alert">
          <p>Not reloaded: {props.refusal.message}. The policies below are still served.</p>
          {props.refusal.problems.length === 0 ? null : (
            <ul>
              {props.refusal.problems.map((problem) => (
                <li>
                  <code>{formatProblem(problem)}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {props.unencryptable.length === 0 ? null : (
        <div class="errors" role="alert">
          <p>
            Team mail to these contacts cannot be encrypted, so it carries no report content (the policy asks
            that all communication be encrypted):
          </p>
          <ul>
            {props.unencryptable.map((contact) => (
              <li>
                {contact.program}, <code>{contact.contactId}</code>: {contact.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ScrollingTable label="Programs served">
        <table>
          <caption>Programs served now</caption>
          <thead>
            <tr>
              <th scope="col">Program</th>
              <th scope="col">Slug</th>
              <th scope="col">Policy file</th>
            </tr>
          </thead>
          <tbody>
            {props.programs.map((program) => (
              <tr>
                <td>
                  <a href={`/p/${program.slug}`}>{program.name}</a>
                  {program.slug === props.defaultProgram ? " (security.txt)" : null}
                  {" · "}
                  <a href={`/admin/policies/${program.slug}`}>the team's view</a>
                </td>
                <td>{program.slug}</td>
                <td>
                  <code>{program.file}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollingTable>
      <p>
        Reloading reads every policy file again and checks it as a start does. If any file has a problem,
        nothing changes. Send <code>SIGHUP</code> to <code>embargo serve</code> for the same.
      </p>
      <form method="post" action="/admin/policies/reload">
        <Csrf token={props.csrfToken} />
        <button type="submit">Reload the policies</button>
      </form>
    </StaffLayout>
  );
}
