/**
 * The windowed-count state in Redis: the narrow interface the counter writes through and the HTTP
 * function reads through. No Redis key of the counts is spelled outside `state/`.
 */

export {
  aggregateRecords,
  type CountableRecord,
  type Hashtag,
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
export { type WindowSettings, windowSettingsFrom } from './windows.ts';
