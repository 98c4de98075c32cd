// Embargo's passkey client, served as /assets/passkeys.js after /assets/vendor/simplewebauthn-browser.js
// (the @simplewebauthn/browser bundle, which defines SimpleWebAuthnBrowser). Plain browser JavaScript
// under CSP "script-src 'self'": no inline script, no eval.
//
// For every form[data-passkey] (src/web/views/passkey-pages.tsx), hidden until this script shows it:
//   data-passkey="register"  the account page's "Add a passkey": POST data-options-url for the options,
//                            let the browser make the passkey (startRegistration), POST it with the name
//                            to data-verify-url; then show the recovery codes, if any came back, or reload.
//   data-passkey="sign-in"   the sign-in pages' button: POST data-options-url, let the browser sign the
//                            challenge (startAuthentication), POST the answer to data-verify-url and go
//                            where the answer says; or, on the account page (new recovery codes confirmed
//                            with a passkey), show the codes that came back.
// Every POST is JSON with the form's CSRF token in the x-csrf-token header. Without WebAuthn (an old
// browser, or plain http on a host other than localhost) the forms stay hidden and the page's
// own text says what works without it.
(() => {
  const lib = window.SimpleWebAuthnBrowser;
  const forms = Array.from(document.querySelectorAll("form[data-passkey]"));
  if (forms.length === 0 || lib === undefined || !lib.browserSupportsWebAuthn()) return;

  const TEXT = {
    waiting: "Follow your browser's prompt…",
    checking: "Checking…",
    cancelled: "Cancelled, or no passkey answered. You can try again.",
    failed: "That did not work. Reload the page and try again.",
    added: "Passkey added.",
    registered: "This device has a passkey for your account already.",
    // WebAuthn needs a host name: an Embargo reached by IP address (EMBARGO_PUBLIC_URL) cannot use passkeys.
    domain:
      "Passkeys do not work at this address (an IP address, or not this site's public URL). Ask an administrator.",
  };

  /** What to say when the browser's ceremony fails (SimpleWebAuthn names the usual causes). */
  const failure = (error) => {
    const code = error && typeof error === "object" ? error.code : undefined;
    if (code === "ERROR_INVALID_DOMAIN" || code === "ERROR_INVALID_RP_ID") return TEXT.domain;
    if (code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") return TEXT.registered;
    return TEXT.cancelled;
  };

  /** POSTs `body` as JSON; the answer's JSON (or a message when the answer is not JSON). */
  const post = async (form, url, body) => {
    const token = form.querySelector('input[name="_csrf"]');
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-csrf-token": token === null ? "" : token.value,
      },
      body: JSON.stringify(body),
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch {
      answer = { message: TEXT.failed };
    }
    return { ok: response.ok, answer };
  };

  for (const form of forms) {
    const status = form.querySelector("[data-passkey-status]");
    const say = (text) => {
      if (status !== null) status.textContent = text;
    };
    const sameOrigin = (name) => {
      const url = new URL(form.getAttribute(name) || "", document.baseURI);
      return url.origin === location.origin ? url.href : null;
    };
    const optionsUrl = sameOrigin("data-options-url");
    const verifyUrl = sameOrigin("data-verify-url");
    if (optionsUrl === null || verifyUrl === null) continue;
    form.hidden = false;

    let busy = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      const button = form.querySelector('button[type="submit"]');
      if (button !== null) button.disabled = true;
      try {
        if (form.getAttribute("data-passkey") === "register")
          await register(form, optionsUrl, verifyUrl, say);
        else await signIn(form, optionsUrl, verifyUrl, say);
      } finally {
        busy = false;
        if (button !== null) button.disabled = false;
      }
    });
  }

  async function register(form, optionsUrl, verifyUrl, say) {
    const options = await post(form, optionsUrl, {});
    if (!options.ok) return say(options.answer.message || TEXT.failed);
    say(TEXT.waiting);
    let response;
    try {
      response = await lib.startRegistration({ optionsJSON: options.answer });
    } catch (error) {
      return say(failure(error));
    }
    say(TEXT.checking);
    const name = form.querySelector('input[name="name"]');
    const result = await post(form, verifyUrl, { name: name === null ? "" : name.value, response });
    if (!result.ok) return say(result.answer.message || TEXT.failed);
    const codes = Array.isArray(result.answer.recoveryCodes) ? result.answer.recoveryCodes : [];
    if (codes.length === 0) {
      location.assign(result.answer.redirect || location.href);
      return;
    }
    // The member's first second factor: recovery codes, shown once, here.
    say(TEXT.added);
    showCodes(form, codes);
  }

  /** Shows recovery codes that came back in an answer in the page's #passkey-recovery-codes, once. */
  function showCodes(form, codes) {
    const section = document.getElementById("passkey-recovery-codes");
    const list = section === null ? null : section.querySelector("[data-recovery-codes]");
    if (section === null || list === null) return;
    for (const code of codes) {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = String(code);
      item.append(text);
      list.append(item);
    }
    form.hidden = true;
    section.hidden = false;
    section.querySelector("h2")?.setAttribute("tabindex", "-1");
    section.querySelector("h2")?.focus();
  }

  async function signIn(form, optionsUrl, verifyUrl, say) {
    const options = await post(form, optionsUrl, {});
    if (!options.ok) return say(options.answer.message || TEXT.failed);
    say(TEXT.waiting);
    let response;
    try {
      response = await lib.startAuthentication({ optionsJSON: options.answer });
    } catch (error) {
      return say(failure(error));
    }
    say(TEXT.checking);
    const next = form.querySelector('input[name="next"]');
    const result = await post(form, verifyUrl, { response, ...(next === null ? {} : { next: next.value }) });
    if (!result.ok || typeof result.answer.redirect !== "string")
      return say(result.answer.message || TEXT.failed);
    // New recovery codes, confirmed with the passkey (the account page): shown here, not reloaded away.
    if (Array.isArray(result.answer.recoveryCodes) && result.answer.recoveryCodes.length > 0) {
      say("");
      return showCodes(form, result.answer.recoveryCodes);
    }
    location.assign(result.answer.redirect);
  }
})();
