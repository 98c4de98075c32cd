import type { ApiTokenSummary } from "../../auth/api-tokens.js";
import { ROLES } from "../../auth/staff.js";
import { Csrf, describedBy, ErrorSummary, type Errors, FieldError, roleName } from "./auth-form-parts.js";
import { Layout } from "./layout.js";

/**
 * An administrator's API tokens: create (the token is shown once, on this page, never in a URL),
 * list and revoke.
 */

export function ApiTokensPage(props: {
  csrfToken: string;
  tokens: ApiTokenSummary[];
  programs: { slug: string; name: string }[];
  created?: { name: string; token: string };
  values: Record<string, string>;
  errors: Errors;
}) {
  const names = new Map(props.programs.map((p) => [p.slug, p.name]));
  return (
    <Layout title="API tokens">
      <h1>API tokens</h1>
      <p>
        A token lets a program call the staff API (<code>Authorization: Bearer …</code>) on one program, with
        one role, on your behalf.
      </p>
      {props.created === undefined ? null : (
        <section role="status">
          <h2>New token “{props.created.name}”</h2>
          <p>
            <strong>Copy it now:</strong> it is not shown again.
          </p>
          <p class="capability" id="new-token">
            {props.created.token}
          </p>
        </section>
      )}
      <ErrorSummary errors={props.errors} />
      <h2>Create a token</h2>
      <form method="post" action="/account/tokens">
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="name">Name</label>
          <p class="help" id="name-help">
            What uses it, e.g. “ticket sync”.
          </p>
          <FieldError errors={props.errors} field="name" />
          <input
            type="text"
            id="name"
            name="name"
            autocomplete="off"
            required
            maxLength={100}
            value={props.values.name ?? ""}
            aria-describedby={describedBy(props.errors, "name", "name-help")}
          />
        </div>
        <div class="field">
          <label for="program">Program</label>
          <FieldError errors={props.errors} field="program" />
          <select id="program" name="program" autocomplete="off" required>
            {props.programs.map((p) => (
              <option value={p.slug} selected={props.values.program === p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="role">Role</label>
          <FieldError errors={props.errors} field="role" />
          <select id="role" name="role" autocomplete="off" required>
            {ROLES.map((role) => (
              <option value={role} selected={(props.values.role ?? "viewer") === role}>
                {roleName(role)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Create token</button>
      </form>
      <h2>Tokens</h2>
      {props.tokens.length === 0 ? (
        <p>No tokens yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Program</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((token) => (
              <tr>
                <td>{token.name}</td>
                <td>{names.get(token.program) ?? token.program}</td>
                <td>{roleName(token.role)}</td>
                <td>{token.createdAt.slice(0, 16).replace("T", " ")}</td>
                <td>
                  {token.lastUsedAt === null ? "never" : token.lastUsedAt.slice(0, 16).replace("T", " ")}
                </td>
                <td>
                  {token.revokedAt !== null ? (
                    "Revoked"
                  ) : (
                    <form method="post" action={`/account/tokens/${token.id}/revoke`}>
                      <Csrf token={props.csrfToken} />
                      <button type="submit" aria-label={`Revoke ${token.name}`}>
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}
