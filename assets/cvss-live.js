// Embargo's live CVSS score, served as /assets/cvss-live.js (the case page loads it with
// <script src="/assets/cvss-live.js" defer>). Plain browser JavaScript under CSP "script-src 'self'".
//
// For every calculator of the triage form (fieldset.cvss[data-cvss-version]), shows the score of the
// metrics chosen so far in its .cvss-live paragraph, and again at every change, without a request:
// the scoring code is the server's own (src/domain/cvss, compiled to /assets/cvss/ by
// `npm run build`, see tsconfig.assets.json), so the score shown is the one saving gives.
// Without JavaScript, or if the modules do not load, the paragraph stays hidden and the saved
// score shows after saving, as before.
(() => {
  const calculators = Array.from(document.querySelectorAll("fieldset.cvss[data-cvss-version]"));
  if (calculators.length === 0) return;

  Promise.all([import("/assets/cvss/index.js"), import("/assets/cvss/calculator.js")]).then(
    ([cvss, calculator]) => {
      for (const fieldset of calculators) live(fieldset, cvss, calculator);
    },
    () => {
      // The page works without the live score: nothing to do.
    },
  );

  function live(fieldset, cvss, calculator) {
    const version = fieldset.getAttribute("data-cvss-version");
    const paragraph = fieldset.querySelector(".cvss-live");
    const output = paragraph?.querySelector("output");
    if (!calculator.isCvssVersion(version) || paragraph === null || !output) return;

    const update = () => {
      const selections = {};
      for (const group of calculator.cvssMetricGroups(version)) {
        for (const metric of group.metrics) {
          const name = calculator.CVSS_FORM_FIELDS.metric(version, metric.abbreviation);
          const checked = Array.from(fieldset.querySelectorAll("input[type=radio]:checked")).find(
            (input) => input.name === name,
          );
          if (checked !== undefined && checked.value !== "X") selections[metric.abbreviation] = checked.value;
        }
      }
      output.replaceChildren();
      try {
        const vector = calculator.vectorFromSelections(version, selections);
        const { score } = cvss.scoreCvss(vector);
        const strong = document.createElement("strong");
        strong.textContent = score.toFixed(1);
        const code = document.createElement("code");
        code.className = "vector";
        code.textContent = vector;
        output.append(strong, ` ${cvss.severityOf(score)} · `, code);
      } catch (error) {
        // A base metric not chosen yet: say which, in the scoring code's words.
        if (!(error instanceof cvss.CvssError)) throw error;
        output.textContent = `not scored yet: ${error.message.replace(/^CVSS:\d\.\d: /, "")}`;
      }
    };

    fieldset.addEventListener("change", update);
    update();
    paragraph.hidden = false;
  }
})();
