/**
 * What a browser does with cookies and the CSRF token, shared by the test browsers (`Browser` over
 * `app.inject`, `FetchBrowser` over real HTTP): cookies kept per name, a cleared one dropped.
 */
export function keepSetCookies(cookies: Map<string, string>, lines: readonly string[]): void {
  for (const line of lines) {
    const [pair = ""] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line);
    if (expired || value === "") cookies.delete(name);
    else cookies.set(name, value);
  }
}

/** The `cookie` request header for what is kept. */
export function cookieHeaderOf(cookies: ReadonlyMap<string, string>): string {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
}

/** The CSRF token a page's forms carry, if any. */
export function csrfTokenIn(body: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
}
