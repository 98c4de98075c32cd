import { enforced, type Keeper, test } from "./keepers.js";

/**
 * The keepers of `retention` (issue 17): the job runner's daily erasure (src/jobs/retention.ts),
 * by destroying the case's keys, each erasure a `case.erased` event; the policy page tells
 * reporters how long what they send is kept.
 */
const RETENTION_RUN = test(
  "test/jobs/retention.test.ts",
  "erases the contact details, then the files, then the content of a closed case, each on its day",
);

export const RETENTION_PROMISES: Readonly<Record<string, Keeper>> = {
  "retention.contactDetailsAfterClose.days": enforced(
    "the reporter's contact details and the raw mail they sent are erased that many days after the case is closed",
    RETENTION_RUN,
    test(
      "src/domain/retention/retention.test.ts",
      "erases the contact details, then the files, each once, on the day",
    ),
  ),
  "retention.attachmentsAfterClose.days": enforced(
    "the case's files are deleted that many days after it is closed",
    RETENTION_RUN,
    test(
      "src/domain/retention/retention.test.ts",
      "erases the contact details, then the files, each once, on the day",
    ),
  ),
  "retention.caseAfterClose.days": enforced(
    "everything the case says is erased that many days after it is closed; its dates, state and audit chain stay",
    RETENTION_RUN,
    test(
      "src/domain/retention/retention.test.ts",
      "erases the whole case when its rule is due, and never an erased case again",
    ),
  ),
};
