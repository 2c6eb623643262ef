/**
 * The ISS position in Redis: the latest position and a bounded recent track, derived from the
 * `iss-positions` topic by `iss-tracker` ({@link applyIssPositions}), read by the tweet generator
 * (where is the ISS now?) and the HTTP function (`GET /iss/position`).
 *
 * This module is the only place the keys are spelled. Both carry the Redis Cluster hash tag
 * `{iss}`, so the one atomic step that touches them runs on a cluster too:
 *   `<prefix>:{iss}:track`             sorted set, score = timestamp (epoch s), member = the position's JSON
 *   `<prefix>:{iss}:offsets:<group>`   hash, `<topic>:<partition>` -> last applied offset (no TTL)
 * The latest position is the member with the highest score. Every write trims the track to
 * `trackLength` members and renews its TTL, so the state stays bounded and disappears when no
 * position arrives any more.
 */

import { decodeIssPosition, encodeIssPosition, type IssPosition } from '#contracts/iss-position.ts';
import type { RedisClient } from '../redis-client.ts';
import { APPLY_POSITIONS, SAVE_POSITION } from './lua-scripts.ts';

/** How long the track is and how long it lives. */
export interface SaveIssPositionOptions {
  /** How many positions the track keeps (the oldest are dropped). At least 1. */
  trackLength: number;
  /** Seconds the track survives without a new position. */
  ttlSeconds: number;
}

/** The key of the track (exported for tests and operators; never spell it elsewhere). */
export function issTrackKey(keyPrefix: string): string {
  return `${keyPrefix}:{iss}:track`;
}

/** The hash of one consumer group's applied offsets (`<topic>:<partition>` -> offset). */
export function issOffsetsKey(keyPrefix: string, consumerGroup: string): string {
  return `${keyPrefix}:{iss}:offsets:${consumerGroup}`;
}

const bounded = (options: SaveIssPositionOptions) => ({
  trackLength: String(Math.max(1, Math.floor(options.trackLength))),
  ttlSeconds: String(Math.max(1, Math.ceil(options.ttlSeconds))),
});

/** One partition's share of a batch: its fresh positions, with their offsets, in offset order. */
export interface IssPartitionStep {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly partition: number;
  /** The partition's last offset in the batch, records that were not positions included. */
  readonly lastOffset: number;
  readonly positions: ReadonlyArray<{ readonly offset: number; readonly position: IssPosition }>;
}

/** What one step did: positions added to the track, ignored as not newer, ignored as already applied. */
export interface IssStepResult {
  readonly applied: number;
  readonly stale: number;
  readonly duplicate: number;
}

/**
 * The last applied offset of `topic`'s `partition` for `consumerGroup`, or null when none is stored.
 */
export async function readIssAppliedOffset(
  redis: RedisClient,
  keyPrefix: string,
  consumerGroup: string,
  topic: string,
  partition: number,
): Promise<number | null> {
  const stored = await redis.hget(issOffsetsKey(keyPrefix, consumerGroup), `${topic}:${partition}`);
  return stored === null ? null : Number(stored);
}

/**
 * Applies one partition's positions and moves its offset, atomically (APPLY_POSITIONS in
 * lua-scripts.ts): a position at or below the stored offset changes nothing (exactly once per
 * record), a position not newer than the latest one is ignored (the latest only moves forward).
 * @throws z.ZodError for an invalid position (nothing is written).
 */
export async function applyIssPositions(
  redis: RedisClient,
  keyPrefix: string,
  step: IssPartitionStep,
  options: SaveIssPositionOptions,
): Promise<IssStepResult> {
  const { trackLength, ttlSeconds } = bounded(options);
  const args: string[] = [
    `${step.topic}:${step.partition}`,
    String(step.lastOffset),
    trackLength,
    ttlSeconds,
  ];
  for (const { offset, position } of step.positions) {
    args.push(String(offset), String(position.timestamp), encodeIssPosition(position));
  }
  const result = (await redis.eval(
    APPLY_POSITIONS,
    2,
    issTrackKey(keyPrefix),
    issOffsetsKey(keyPrefix, step.consumerGroup),
    ...args,
  )) as [number, number, number];
  return { applied: result[0], stale: result[1], duplicate: result[2] };
}

/**
 * Stores `position` as the latest one and appends it to the track, atomically, unless one with the
 * same or a newer timestamp is stored. For seeding the state in tests and benches: in the pipeline
 * only `iss-tracker` writes, through {@link applyIssPositions}.
 * @returns whether it was stored.
 */
export async function saveIssPosition(
  redis: RedisClient,
  keyPrefix: string,
  position: IssPosition,
  options: SaveIssPositionOptions,
): Promise<boolean> {
  // The member is the record value itself (validated: an invalid position throws, nothing is stored).
  const member = encodeIssPosition(position);
  const { trackLength, ttlSeconds } = bounded(options);
  const stored = await redis.eval(
    SAVE_POSITION,
    1,
    issTrackKey(keyPrefix),
    member,
    String(position.timestamp),
    trackLength,
    ttlSeconds,
  );
  return stored === 1;
}

/**
 * Reads the latest position and the recent track (oldest first). Both are empty when no position
 * arrived within the TTL. Members that do not parse as a position are left out.
 */
export async function readIssPosition(
  redis: RedisClient,
  keyPrefix: string,
): Promise<{ latest: IssPosition | null; track: IssPosition[] }> {
  const members = await redis.zrange(issTrackKey(keyPrefix), 0, -1);
  const track: IssPosition[] = [];
  for (const member of members) {
    const decoded = decodeIssPosition(member);
    if (decoded.ok) track.push(decoded.position);
  }
  return { latest: track.at(-1) ?? null, track };
}
