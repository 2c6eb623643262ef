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
  type CounterStats,
  compareCodePoints,
  type RankedHashtag,
  readCounterStats,
  readTopHashtags,
  readTopicClock,
  readWindowHistory,
  type TopHashtagsView,
  type TopicClock,
  type TopQuery,
} from './read.ts';
export { type WindowConfig, type WindowSettings, windowSettingsFrom } from './windows.ts';
