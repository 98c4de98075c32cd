// Embargo's keyboard shortcuts for the team, served as /assets/keys.js (every staff page loads it
// with <script src="/assets/keys.js" defer>, src/web/views/staff-common.tsx). Plain browser
// JavaScript under CSP "script-src 'self'": no inline script, no eval.
//
// The keys (listed for people at /help/keys, src/web/views/keyboard-help-page.tsx):
//   j / k      next / previous case of the inbox: real focus moves to the case's link
//   Enter / o  open the chosen case
//   a          acknowledge the case (submits the case page's own form, CSRF token and all)
//   r          go to the reply box
//   ?          the list of shortcuts
// Progressive: without JavaScript every link and form works as before. A key does nothing while
// the person types (input, textarea, select, contenteditable) or holds Ctrl, Alt or Meta, so
// neither typing nor the browser's and screen readers' own shortcuts are taken over.
(() => {
  const HELP = "/help/keys";

  // The inbox's rows: the link in each row's header cell is what opens the case.
  const caseLinks = () =>
    Array.from(document.querySelectorAll("table.inbox tbody tr")).flatMap((row) => {
      const link = row.querySelector("th[scope=row] a[href]");
      return link === null ? [] : [link];
    });

  // The row chosen last, so `o` and Enter still open it after a click elsewhere moved focus away.
  let chosen = null;
  // Set once `a` has submitted the form: a second press while the page loads posts nothing more.
  // Cleared when the page shows again (back from the next page, out of the browser's cache).
  let submitted = false;
  window.addEventListener("pageshow", () => {
    submitted = false;
  });

  const acknowledgeButton = () =>
    document.querySelector('form[method=post][action$="/acknowledge"] button[type=submit]');
  const replyBox = () => document.querySelector("textarea#reply");

  // Says which keys work on this page to assistive technology (only true where this script runs).
  acknowledgeButton()?.setAttribute("aria-keyshortcuts", "a");
  replyBox()?.setAttribute("aria-keyshortcuts", "r");

  function typingIn(target) {
    if (!(target instanceof Element)) return false;
    if (target instanceof HTMLElement && target.isContentEditable) return true;
    return target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])") !== null;
  }

  function choose(link) {
    const previous = chosen?.closest("tr");
    previous?.classList.remove("key-chosen");
    chosen = link;
    link.closest("tr")?.classList.add("key-chosen");
    link.focus();
    link.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const links = caseLinks();
    if (links.length === 0) return false;
    const at = links.indexOf(document.activeElement);
    const from = at !== -1 ? at : chosen === null ? -1 : links.indexOf(chosen);
    // Nothing chosen yet: either key starts at the first case.
    const next = from === -1 ? 0 : Math.min(links.length - 1, Math.max(0, from + step));
    choose(links[next]);
    return true;
  }

  function open(viaEnter) {
    const links = caseLinks();
    const active = document.activeElement;
    // Enter on a focused link is the browser's own: leave it be.
    if (viaEnter && active !== null && active !== document.body) return false;
    const link = links.includes(active) ? active : chosen !== null && links.includes(chosen) ? chosen : null;
    if (link === null) return false;
    link.click();
    return true;
  }

  function acknowledge() {
    const button = acknowledgeButton();
    if (button === null || button.disabled || submitted) return false;
    submitted = true;
    // The real form's own button, as if clicked: its CSRF token goes with it.
    button.click();
    return true;
  }

  function reply() {
    const box = replyBox();
    if (box === null || box.disabled) return false;
    box.focus();
    box.scrollIntoView({ block: "center" });
    return true;
  }

  function help() {
    if (location.pathname === HELP) return false;
    location.assign(HELP);
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (typingIn(event.target)) return;
    let done = false;
    switch (event.key) {
      case "j":
        done = move(1);
        break;
      case "k":
        done = move(-1);
        break;
      case "o":
        done = open(false);
        break;
      case "Enter":
        done = open(true);
        break;
      case "a":
        done = acknowledge();
        break;
      case "r":
        done = reply();
        break;
      case "?":
        done = help();
        break;
    }
    // Only a key that did something is kept from the page (and `r` from the reply box it focused).
    if (done) event.preventDefault();
  });
})();
