// Embargo proof-of-work client, served as /assets/pow.js (load with <script src="/assets/pow.js" defer>).
// Plain browser JavaScript, no dependencies, works under CSP "script-src 'self'".
//
// For every form[data-pow-challenge-url]: fetch the challenge JSON from that (same-origin) URL, find the
// number n with SHA-256(salt + n) === challenge using crypto.subtle.digest in batches (the page stays
// responsive), and put base64(JSON {algorithm, challenge, number, salt, signature}) into the form's hidden
// input name="pow" (created if absent). Progress goes to [data-pow-status] (in the form, else in the page).
// Submitting before the work is done waits for it, then submits. If anything fails (no WebCrypto, e.g.
// plain HTTP; network error), the form submits without a payload and the server applies its stricter limit.
// With JavaScript off none of this runs and the form submits without "pow".
(() => {
  /** Digests started together; they run concurrently, which is several times faster than one by one. */
  const BATCH = 1000;
  /** Longest stretch of work before letting the page render and handle input. */
  const SLICE_MS = 40;
  /** Progress text is rewritten at most this often (it is aria-live: keep announcements few). */
  const PROGRESS_EVERY_MS = 300;
  /** A solution this close to its challenge's expiry is replaced by a fresh one at submit time. */
  const REFRESH_MARGIN_MS = 60 * 1000;

  const TEXT = {
    working: "Running an automatic anti-spam check…",
    progress: (percent) => `Running an automatic anti-spam check… ${percent}%`,
    waiting: "Finishing the anti-spam check, then sending…",
    done: "Anti-spam check complete.",
    failed: "The automatic anti-spam check did not run; you can still send the form.",
    unsupported: "This browser cannot run the automatic anti-spam check; you can still send the form.",
  };

  const forms = Array.from(document.querySelectorAll("form[data-pow-challenge-url]"));
  if (forms.length === 0) return;

  const supported =
    typeof fetch === "function" &&
    typeof TextEncoder === "function" &&
    typeof crypto === "object" &&
    crypto !== null &&
    typeof crypto.subtle === "object" &&
    crypto.subtle !== null;

  for (const form of forms) setUp(form);

  function setUp(form) {
    const status = form.querySelector("[data-pow-status]") || document.querySelector("[data-pow-status]");
    if (status && !status.hasAttribute("aria-live")) status.setAttribute("aria-live", "polite");
    const say = (text) => {
      if (status) status.textContent = text;
    };

    if (!supported) {
      say(TEXT.unsupported);
      return;
    }

    const url = new URL(form.getAttribute("data-pow-challenge-url") || "", document.baseURI);
    if (url.origin !== location.origin) {
      say(TEXT.failed);
      return;
    }

    const input = powInput(form);
    // A value restored by the browser (back button, form restoration) has most likely been used already.
    input.value = "";

    /** The current solution: { payload, staleAt (performance.now() time) } or null. */
    let solved = null;
    /** The running attempt (a promise of the payload, or null if it failed), or null. */
    let pending = null;
    let waitingToSubmit = false;
    let resubmitting = false;

    const fresh = () => solved !== null && performance.now() < solved.staleAt;

    const ensure = () => {
      if (fresh()) return Promise.resolve(solved.payload);
      if (pending === null) {
        pending = attempt().finally(() => {
          pending = null;
        });
      }
      return pending;
    };

    const attempt = async () => {
      solved = null;
      input.value = "";
      say(TEXT.working);
      try {
        const { challenge, lifetimeMs } = await fetchChallenge(url);
        const number = await solve(challenge, say);
        if (number === null) throw new Error("no solution");
        const payload = btoa(
          JSON.stringify({
            algorithm: challenge.algorithm,
            challenge: challenge.challenge,
            number,
            salt: challenge.salt,
            signature: challenge.signature,
          }),
        );
        input.value = payload;
        solved = { payload, staleAt: performance.now() + lifetimeMs - REFRESH_MARGIN_MS };
        say(TEXT.done);
        return payload;
      } catch {
        input.value = "";
        say(TEXT.failed);
        return null;
      }
    };

    form.addEventListener("submit", (event) => {
      if (resubmitting || fresh()) return;
      event.preventDefault();
      if (waitingToSubmit) return; // a second click while waiting: one submission is enough
      waitingToSubmit = true;
      const submitter = event.submitter || null;
      say(TEXT.waiting);
      // Submit with or without a payload: the server decides what a missing one means.
      ensure().then(() => {
        waitingToSubmit = false;
        resubmitting = true;
        try {
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
          } else {
            form.submit();
          }
        } finally {
          resubmitting = false;
        }
      });
    });

    // Coming back through the back/forward cache: the old solution may have been spent.
    addEventListener("pageshow", (event) => {
      if (event.persisted) {
        solved = null;
        input.value = "";
        ensure();
      }
    });

    ensure();
  }

  function powInput(form) {
    const existing = form.querySelector('input[name="pow"]');
    if (existing) return existing;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "pow";
    input.setAttribute("autocomplete", "off");
    form.appendChild(input);
    return input;
  }

  async function fetchChallenge(url) {
    const response = await fetch(url.href, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`challenge: HTTP ${response.status}`);
    const challenge = await response.json();
    if (
      challenge === null ||
      typeof challenge !== "object" ||
      challenge.algorithm !== "SHA-256" ||
      typeof challenge.challenge !== "string" ||
      !/^[0-9a-f]{64}$/.test(challenge.challenge) ||
      typeof challenge.salt !== "string" ||
      typeof challenge.signature !== "string" ||
      !Number.isSafeInteger(challenge.maxnumber) ||
      challenge.maxnumber < 0
    ) {
      throw new Error("challenge: unexpected shape");
    }
    // Lifetime by the server's clock (its Date header), so a wrong clock here does not matter.
    const expires = Number(new URLSearchParams(challenge.salt.split("?")[1] || "").get("expires"));
    const serverNow = Date.parse(response.headers.get("Date") || "");
    const lifetimeMs =
      Number.isFinite(expires) && expires > 0
        ? expires * 1000 - (Number.isFinite(serverNow) ? serverNow : Date.now())
        : Number.POSITIVE_INFINITY;
    return { challenge, lifetimeMs };
  }

  /** The number n in 0..maxnumber with SHA-256(salt + n) === challenge, or null. */
  async function solve(challenge, say) {
    const encoder = new TextEncoder();
    const target = hexToBytes(challenge.challenge);
    const max = challenge.maxnumber;
    let sliceStart = performance.now();
    let lastProgress = sliceStart;
    for (let start = 0; start <= max; start += BATCH) {
      const end = Math.min(start + BATCH - 1, max);
      const digests = [];
      for (let n = start; n <= end; n++) {
        digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      const results = await Promise.all(digests);
      for (let i = 0; i < results.length; i++) {
        if (sameBytes(new Uint8Array(results[i]), target)) return start + i;
      }
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        say(TEXT.progress(Math.min(99, Math.floor(((end + 1) / (max + 1)) * 100))));
      }
      if (now - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = performance.now();
      }
    }
    return null;
  }

  function hexToBytes(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return bytes;
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
})();
