import type { ApiTokenSummary } from "../../auth/api-tokens.js";
import { ALL_PROGRAMS, type Membership, ROLES, type Role } from "../../auth/staff.js";
import { Layout } from "./layout.js";

/**
 * Sign-in, setup and account pages. Plain forms (no JavaScript), every input labelled, with
 * autocomplete hints so password managers and authenticator autofill work. Text is escaped by
 * preact; secrets shown once (recovery codes, a new API token) are never put in a URL.
 */

type Errors = Map<string, string>;

function ErrorSummary({ errors }: { errors: Errors }) {
  if (errors.size === 0) return null;
  return (
    <div class="errors" role="alert">
      <ul>
        {[...errors].map(([field, message]) => (
          <li>{field === "form" ? message : <a href={`#${field}`}>{message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

function FieldError({ errors, field }: { errors: Errors; field: string }) {
  const message = errors.get(field);
  return message === undefined ? null : (
    <p class="error" id={`${field}-error`}>
      {message}
    </p>
  );
}

const describedBy = (errors: Errors, field: string, help?: string) =>
  [help, errors.has(field) ? `${field}-error` : undefined].filter(Boolean).join(" ") || undefined;

function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

function Next({ next }: { next: string | undefined }) {
  return next === undefined ? null : <input type="hidden" name="next" value={next} />;
}

export function LoginPage(props: { csrfToken: string; next?: string; email?: string; errors: Errors }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/login">
        <Csrf token={props.csrfToken} />
        <Next next={props.next} />
        <div class="field">
          <label for="email">Email</label>
          <input
            type="email"
            id="email"
            name="email"
            autocomplete="username"
            required
            value={props.email ?? ""}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </form>
      <p class="help">Forgot your password? Ask an administrator for a new setup link.</p>
    </Layout>
  );
}

export function TotpLoginPage(props: { csrfToken: string; next?: string; errors: Errors }) {
  return (
    <Layout title="Two-factor sign-in">
      <h1>Enter your code</h1>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/login/totp">
        <Csrf token={props.csrfToken} />
        <Next next={props.next} />
        <div class="field">
          <label for="code">Code from your authenticator app, or a recovery code</label>
          <p class="help" id="code-help">
            Six digits from the app; a recovery code looks like <code>abcde-fghij</code> and works once.
          </p>
          <FieldError errors={props.errors} field="code" />
          <input
            type="text"
            id="code"
            name="code"
            autocomplete="one-time-code"
            inputmode="text"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={32}
            aria-describedby={describedBy(props.errors, "code", "code-help")}
          />
        </div>
        <button type="submit">Continue</button>
      </form>
      <form method="post" action="/logout">
        <Csrf token={props.csrfToken} />
        <button type="submit">Cancel and sign out</button>
      </form>
    </Layout>
  );
}

export interface TotpEnrolment {
  /** The secret, grouped for typing by hand. */
  secretText: string;
  /** The QR code image (same-origin SVG). */
  qrUrl: string;
  required: boolean;
}

function TotpFields(props: { enrolment: TotpEnrolment; errors: Errors }) {
  const { enrolment } = props;
  return (
    <fieldset>
      <legend>Two-factor sign-in (TOTP) {enrolment.required ? "— required" : "— optional"}</legend>
      {enrolment.required ? (
        <p>A program you work on requires a second factor: set up an authenticator app now.</p>
      ) : (
        <p>Recommended: with an authenticator app, a stolen password alone does not let anyone in.</p>
      )}
      <p>Scan this code with an authenticator app, or type the key in by hand:</p>
      <p>
        <img src={enrolment.qrUrl} alt="QR code for your authenticator app" width={200} height={200} />
      </p>
      <p class="capability" id="totp-secret">
        {enrolment.secretText}
      </p>
      <div class="field">
        <label for="code">Code shown by the app{enrolment.required ? "" : " (leave empty to skip)"}</label>
        <FieldError errors={props.errors} field="code" />
        <input
          type="text"
          id="code"
          name="code"
          autocomplete="one-time-code"
          inputmode="numeric"
          pattern="[0-9 ]*"
          maxLength={8}
          required={enrolment.required}
          aria-describedby={describedBy(props.errors, "code")}
        />
      </div>
    </fieldset>
  );
}

function NewPasswordFields(props: { errors: Errors }) {
  return (
    <>
      <div class="field">
        <label for="password">New password</label>
        <p class="help" id="password-help">
          At least 12 characters. A passphrase of several words is easy to remember and hard to guess.
        </p>
        <FieldError errors={props.errors} field="password" />
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          minLength={12}
          maxLength={1024}
          required
          aria-describedby={describedBy(props.errors, "password", "password-help")}
        />
      </div>
      <div class="field">
        <label for="password2">New password, again</label>
        <FieldError errors={props.errors} field="password2" />
        <input
          type="password"
          id="password2"
          name="password2"
          autocomplete="new-password"
          required
          aria-describedby={describedBy(props.errors, "password2")}
        />
      </div>
    </>
  );
}

export function SetupPage(props: {
  csrfToken: string;
  action: string;
  /** The account's email; undefined for the first administrator, who types it. */
  email?: string;
  emailValue?: string;
  purpose: "setup" | "reset";
  totp?: TotpEnrolment;
  errors: Errors;
}) {
  const first = props.email === undefined;
  return (
    <Layout title={props.purpose === "reset" ? "Choose a new password" : "Set up your account"}>
      <h1>{props.purpose === "reset" ? "Choose a new password" : "Set up your account"}</h1>
      {first ? (
        <p>You are creating the first administrator of this Embargo, with access to every program.</p>
      ) : (
        <p>
          Account: <strong>{props.email}</strong>
        </p>
      )}
      <ErrorSummary errors={props.errors} />
      <form method="post" action={props.action}>
        <Csrf token={props.csrfToken} />
        {first ? (
          <div class="field">
            <label for="email">Your email</label>
            <FieldError errors={props.errors} field="email" />
            <input
              type="email"
              id="email"
              name="email"
              autocomplete="username"
              required
              value={props.emailValue ?? ""}
              aria-describedby={describedBy(props.errors, "email")}
            />
          </div>
        ) : (
          // Lets password managers store the new password under the right account.
          <input type="hidden" name="username" autocomplete="username" value={props.email} />
        )}
        <NewPasswordFields errors={props.errors} />
        {props.totp === undefined ? null : <TotpFields enrolment={props.totp} errors={props.errors} />}
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}

function RecoveryCodeList({ codes }: { codes: string[] }) {
  return (
    <>
      <p>
        <strong>Save these recovery codes now</strong> (print them, or keep them in your password manager).
        Each works once, in place of a code from your app, if you lose it. They are not shown again.
      </p>
      <ul class="capability" id="recovery-codes">
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

export function SetupDonePage(props: { email: string; recoveryCodes?: string[] }) {
  return (
    <Layout title="Account ready">
      <h1>Your account is ready</h1>
      <p>
        You can now sign in as <strong>{props.email}</strong>.
      </p>
      {props.recoveryCodes === undefined ? null : <RecoveryCodeList codes={props.recoveryCodes} />}
      <p>
        <a href="/login">Sign in</a>
      </p>
    </Layout>
  );
}

export function RecoveryCodesPage(props: { title: string; codes: string[] }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <RecoveryCodeList codes={props.codes} />
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}

export function LinkInvalidPage() {
  return (
    <Layout title="Link not valid">
      <h1>This link does not work</h1>
      <p>
        It was used already, or it expired. Setup links work once, for 72 hours. Ask an administrator for a
        new one.
      </p>
    </Layout>
  );
}

const roleName = (role: Role) => role.charAt(0).toUpperCase() + role.slice(1);
const programName = (names: Map<string, string>, program: string) =>
  program === ALL_PROGRAMS ? "All programs" : (names.get(program) ?? program);

export function AccountPage(props: {
  csrfToken: string;
  email: string;
  memberships: Membership[];
  programNames: Map<string, string>;
  /** Programs listed in memberships but not usable in this session (two-factor required). */
  withheld: string[];
  totpEnabled: boolean;
  totpRequired: boolean;
  recoveryCodesLeft: number;
  canManageTokens: boolean;
  errors: Errors;
}) {
  return (
    <Layout title="Your account">
      <h1>Your account</h1>
      <ErrorSummary errors={props.errors} />
      <dl>
        <dt>Email</dt>
        <dd>{props.email}</dd>
        <dt>Two-factor sign-in</dt>
        <dd>
          {props.totpEnabled ? "On (authenticator app)" : props.totpRequired ? "Off — required" : "Off"}
        </dd>
      </dl>
      <h2>Roles</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Program</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {props.memberships.map((m) => (
            <tr>
              <td>{programName(props.programNames, m.program)}</td>
              <td>{roleName(m.role)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.withheld.length === 0 ? null : (
        <p class="error" role="alert">
          {props.withheld.map((p) => programName(props.programNames, p)).join(", ")}{" "}
          {props.withheld.length === 1 ? "requires" : "require"} two-factor sign-in: turn it on below to work
          there.
        </p>
      )}
      <h2>Two-factor sign-in</h2>
      {props.totpEnabled ? (
        <>
          <p>Recovery codes left: {props.recoveryCodesLeft}.</p>
          <form method="post" action="/account/recovery-codes">
            <Csrf token={props.csrfToken} />
            <div class="field">
              <label for="code">Current code from your app</label>
              <FieldError errors={props.errors} field="code" />
              <input
                type="text"
                id="code"
                name="code"
                autocomplete="one-time-code"
                inputmode="numeric"
                required
                maxLength={8}
                aria-describedby={describedBy(props.errors, "code")}
              />
            </div>
            <button type="submit">Make new recovery codes</button>
          </form>
        </>
      ) : (
        <p>
          <a href="/account/totp">Turn on two-factor sign-in</a>
        </p>
      )}
      {props.canManageTokens ? (
        <>
          <h2>Administration</h2>
          <p>
            <a href="/account/tokens">Manage API tokens</a>
          </p>
          <p>
            <a href="/admin/members">Members</a>: roles, disable, remove, revoke tokens
          </p>
        </>
      ) : null}
      <h2>Sign out</h2>
      <form method="post" action="/logout">
        <Csrf token={props.csrfToken} />
        <button type="submit">Sign out</button>
      </form>
    </Layout>
  );
}

export function TotpEnrolPage(props: { csrfToken: string; enrolment: TotpEnrolment; errors: Errors }) {
  return (
    <Layout title="Turn on two-factor sign-in">
      <h1>Turn on two-factor sign-in</h1>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/account/totp">
        <Csrf token={props.csrfToken} />
        <TotpFields enrolment={{ ...props.enrolment, required: true }} errors={props.errors} />
        <button type="submit">Turn on</button>
      </form>
    </Layout>
  );
}

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
