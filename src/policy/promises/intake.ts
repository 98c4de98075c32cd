import type { Keeper } from "./keepers.js";
import { enforced, FORM, FORM_ERROR, FORM_POST, INTAKE_RULES, published, test } from "./keepers.js";

/** Who keeps the promises of the report template, the scope and the rules for reporters. */
export const INTAKE_PROMISES: Readonly<Record<string, Keeper>> = {
  // reportTemplate: the report form and the intake's rules
  "reportTemplate.intro": published(
    "words for the reporter at the top of the report form and the policy page",
  ),
  "reportTemplate.subjectGuidance": published("advice on the title, under the report form's title field"),
  "reportTemplate.fields[].id": enforced(
    "the form's and the JSON intake's field names; answers to fields the template lacks are refused",
    FORM_POST,
    INTAKE_RULES,
  ),
  "reportTemplate.fields[].label": enforced(
    "the question the report form asks, and its name on the case page",
    FORM,
  ),
  "reportTemplate.fields[].help": published("help for the reporter, under the field on the report form"),
  "reportTemplate.fields[].kind": enforced(
    "the form's input (long text, choice, url, email, file) and the intake's check of the answer",
    test("test/web/report-template-purpose.test.ts", "a file field answered with text"),
    test("test/web/report-template-purpose.test.ts", "a text field answered with a file"),
  ),
  "reportTemplate.fields[].required": enforced(
    "a report without an answer to a required field is refused, the error beside the field",
    FORM_ERROR,
    INTAKE_RULES,
  ),
  "reportTemplate.fields[].choices": enforced(
    "the form offers these answers and the intake refuses any other",
    test(
      "test/web/choice-fields.test.ts",
      "the form offers exactly the policy's choices, each as a select with an empty first option",
    ),
    test(
      "test/web/choice-fields.test.ts",
      "the form refuses an answer outside the choices, with the field's error, and keeps the other answers",
    ),
    test(
      "test/web/choice-fields.test.ts",
      "the API refuses an answer outside the choices, naming only that field, and keeps a choice as spelled",
    ),
  ),
  "reportTemplate.fields[].purpose": enforced(
    "a credit-name or credit-link field is the credit choice (asked once); a file field answers with a real upload bound to it; the program's template and its JSON Schema are published at GET /api/v1/programs/{program}",
    test("test/web/report-template-purpose.test.ts", "are the only place the form asks for credit"),
    test(
      "test/web/report-template-purpose.test.ts",
      "from the form are stored as the credit choice, once, and shown as the credit",
    ),
    test(
      "test/web/report-template-purpose.test.ts",
      "from the form is stored encrypted, bound to its field, and staff download it",
    ),
  ),

  // scope
  "scope.inScope[].id": enforced(
    "the report form offers, and the intake and triage accept, only in-scope assets",
    INTAKE_RULES,
    test(
      "test/workspace/case-page.test.ts",
      "re-renders invalid triage with the message naming the bad metric or field",
    ),
  ),
  "scope.inScope[].kind": published("what sort of asset it is, in words on the policy page"),
  "scope.inScope[].name": enforced(
    "the asset's name in the report form's choice of assets and on the case",
    FORM,
  ),
  "scope.inScope[].url": published("a link to the asset, for people on the policy page"),
  "scope.inScope[].description": published("a description for people on the policy page"),
  "scope.inScope[].releases[].version": enforced(
    "each release is a row of every case's affected-release matrix, under investigation until the team sets it; the team may add releases on the case; a disclosed case's rows are published",
    test(
      "test/workspace/affected-releases.test.ts",
      "Rocket.Chat: the matrix starts from the policy's releases and takes a release added on the case",
    ),
    test(
      "test/workspace/affected-releases.test.ts",
      "publishes the matrix of a disclosed case, and nothing of a case under embargo",
    ),
  ),
  "scope.inScope[].releases[].inProduction": enforced(
    "a release in production (the default) is owed a fix: under incident.fixAllProductionReleases the case is not fixed while it is affected, under investigation or not to be fixed",
    test(
      "test/workspace/affected-releases.test.ts",
      "privacytools: a case is fixed only once every release in production is fixed or not affected",
    ),
    test(
      "test/workspace/affected-releases.test.ts",
      "Rocket.Chat: the matrix starts from the policy's releases and takes a release added on the case",
    ),
  ),
  "scope.outOfScope[].id": published(
    "names what is not covered; the form offers only in-scope assets, and `policy check` refuses an id in both lists",
  ),
  "scope.outOfScope[].kind": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].name": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].url": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].description": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].reason": published("tells people why it is not covered, on the policy page"),
  "scope.excludedActivities[].activity": published("a rule for researchers, listed on the policy page"),
  "scope.excludedActivities[].description": published("a rule for researchers, listed on the policy page"),
  "scope.thirdPartyReports.action": enforced(
    "a case closed as third-party tells the reporter what the team does with it (refers them to the maintainers, forwards it, or declines it), before the policy's message",
    test(
      "src/domain/lifecycle/policy-rules.test.ts",
      "says the team forwards it, or declines it, before the policy's words",
    ),
    test(
      "test/workspace/lifecycle.test.ts",
      "closes a report about another project as third-party with the policy's words for the reporter",
    ),
  ),
  "scope.thirdPartyReports.message": enforced(
    "what the reporter reads when their case is closed as a third-party issue",
    test(
      "src/domain/lifecycle/lifecycle.test.ts",
      "points the reporter to the maintainers with the policy's words",
    ),
  ),

  rulesOfEngagement: published("rules for researchers, a statement for people on the policy page"),
  "safeHarbor.noLegalAction": published("a legal statement for people on the policy page"),
  "safeHarbor.text": published("a legal statement for people on the policy page"),
  "safeHarbor.conditions": published("the legal statement's conditions, for people on the policy page"),
};
