export {
  type DuplicateCase,
  type DuplicateOptions,
  type DuplicateSuggestion,
  firstReporter,
  normalisedTokens,
  suggestDuplicates,
  TEXT_PREFIX_CHARS,
  titleSimilarity,
  wordTokens,
} from "./duplicates.js";
