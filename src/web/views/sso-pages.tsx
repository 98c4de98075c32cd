import { Layout } from "./layout.js";

/**
 * Single sign-on on the sign-in page: one button per configured identity provider (a plain link
 * that starts the OpenID Connect flow, so it needs no JavaScript), and the page that says why a
 * sign-in through a provider did not work.
 */
export interface SsoButton {
  id: string;
  /** The provider's name as configured: "Sign in with {name}". */
  name: string;
}

const startUrl = (id: string, next: string | undefined) =>
  `/login/oidc/${id}${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`;

export function SsoSignIn(props: { providers: readonly SsoButton[]; next?: string }) {
  if (props.providers.length === 0) return null;
  return (
    <section class="sso" aria-labelledby="sso-heading">
      <h2 id="sso-heading">Or use single sign-on</h2>
      <ul class="sso-buttons">
        {props.providers.map((provider) => (
          <li>
            <a class="button secondary" href={startUrl(provider.id, props.next)}>
              Sign in with {provider.name}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Why signing in through a provider stopped, and the way back. No detail from the provider. */
export function SsoProblemPage(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <div class="errors" role="alert">
        <p>{props.message}</p>
      </div>
      <p>
        <a href="/login">Back to sign-in</a>
      </p>
    </Layout>
  );
}

/** Signed in: the way on (the route's Refresh header takes the browser there by itself). */
export function SsoSignedInPage(props: { next: string }) {
  return (
    <Layout title="Signed in">
      <h1>Signed in</h1>
      <p>
        <a href={props.next}>Continue</a>
      </p>
    </Layout>
  );
}
