/**
 * The windowed-count state in Redis: the narrow interface the counter writes through and the HTTP
 * function reads through. No Redis key of the counts is spelled outside `state/`.
 */

export {
  aggregateRecords,
  type CountableRecord,
  type StepAggregate,
  type WindowAggregate,
} from './aggregate.ts';
export {
  advanceWatermark,
  applyPartitionStep,
  type PartitionStep,
  readAppliedOffsets,
  type StepResult,
} from './apply.ts';
/** The key schema, for tests and operators that inspect keys (TTL, slots); never spell a key elsewhere. */
export { TopicKeys } from './keys.ts';
export {
  compareCodePoints,
  type RankedHashtag,
  readTopHashtags,
  readTopicClock,
  type TopHashtagsView,
  type TopicClock,
  type TopQuery,
} from './read.ts';
export {
  type LogRecord,
  type PartitionLog,
  type PartitionProgress,
  type RestoreOutcome,
  type RestoreRequest,
  readPartitionProgress,
  restorePartition,
} from './rebuild.ts';
export { assertSpan, SPAN_SECONDS, type SpanName } from './spans.ts';
export { type CounterStats, readCounterStats, readWindowHistory } from './stats.ts';
export {
  baselineSpansFor,
  CACHED_HASHTAGS,
  RECENT_WINDOWS,
  readTrending,
  type Scored,
  scoreTrending,
  TRENDING_DEFAULTS,
  TrendingCache,
  type TrendingHashtag,
  type TrendingParameters,
  type TrendingQuery,
  type TrendingView,
} from './trending.ts';
export { type WindowConfig, type WindowSettings, windowSettingsFrom } from './windows.ts';
