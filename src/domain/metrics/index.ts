export { type Bucket, bucketStart, bucketsBack } from "./buckets.js";
export { ALL_PROGRAMS, combineAll, computeMetrics } from "./compute.js";
export { durationStats, median, nearestRank } from "./quantiles.js";
export * from "./types.js";
