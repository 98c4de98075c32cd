import { ALL_PROGRAMS, type Membership } from "../../auth/staff.js";
import {
  Csrf,
  describedBy,
  ErrorSummary,
  type Errors,
  FieldError,
  RecoveryCodeList,
  roleName,
  type TotpEnrolment,
  TotpFields,
} from "./auth-form-parts.js";
import { Layout } from "./layout.js";
import { PASSKEY_SCRIPTS, PasskeyRecoveryCodesForm } from "./passkey-pages.js";
import { StaffLayout } from "./staff-common.js";

/** The signed-in member's account: roles, two-factor sign-in and its recovery codes. */

const programName = (names: Map<string, string>, program: string) =>
  program === ALL_PROGRAMS ? "All programs" : (names.get(program) ?? program);

export function AccountPage(props: {
  csrfToken: string;
  email: string;
  memberships: Membership[];
  programNames: Map<string, string>;
  /** Programs listed in memberships but not usable in this session (two-factor required). */
  withheld: string[];
  /** Programs not usable in this session because they require signing in with a passkey. */
  passkeyWithheld?: string[];
  /** How many passkeys the member has. */
  passkeys?: number;
  totpEnabled: boolean;
  totpRequired: boolean;
  recoveryCodesLeft: number;
  canManageTokens: boolean;
  errors: Errors;
}) {
  return (
    <StaffLayout
      title="Your account"
      csrfToken={props.csrfToken}
      email={props.email}
      {...((props.passkeys ?? 0) > 0 ? { scripts: PASSKEY_SCRIPTS } : {})}
    >
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
      {(props.passkeyWithheld ?? []).length === 0 ? null : (
        <p class="error" role="alert">
          {(props.passkeyWithheld ?? []).map((p) => programName(props.programNames, p)).join(", ")}{" "}
          {(props.passkeyWithheld ?? []).length === 1 ? "requires" : "require"} signing in with a passkey:{" "}
          <a href="/account/passkeys">add one, or sign in again with yours</a>, to work there.
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
          {(props.passkeys ?? 0) > 0 ? <PasskeyRecoveryCodesForm csrfToken={props.csrfToken} /> : null}
        </>
      ) : (props.passkeys ?? 0) > 0 ? (
        <>
          <p>Your passkey is your second factor. Recovery codes left: {props.recoveryCodesLeft}.</p>
          <p>Making new recovery codes needs JavaScript: your browser asks your passkey to confirm it.</p>
          <PasskeyRecoveryCodesForm csrfToken={props.csrfToken} />
          <p>
            <a href="/account/totp">Also use an authenticator app</a>
          </p>
        </>
      ) : (
        <p>
          <a href="/account/totp">Turn on two-factor sign-in</a>
        </p>
      )}
      <h2>Passkeys</h2>
      <p>
        {props.passkeys === undefined || props.passkeys === 0
          ? "No passkeys yet. "
          : `${props.passkeys} passkey${props.passkeys === 1 ? "" : "s"}. `}
        <a href="/account/passkeys">Manage passkeys</a>
      </p>
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
    </StaffLayout>
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
