import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { IssPosition } from '#contracts/iss-position.ts';
import { issTrackKey, readIssPosition, saveIssPosition } from '#state/iss/index.ts';
import { REDIS_URL } from '../support/services.ts';

const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `test:${randomUUID()}`;

const at = (timestamp: number, source: IssPosition['source'] = 'open-notify'): IssPosition => ({
  latitude: (timestamp % 100) - 50,
  longitude: (timestamp % 300) - 150,
  timestamp,
  source,
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('ISS position state in Redis', () => {
  it('returns no position when none was saved', async () => {
    const result = await readIssPosition(redis, `${prefix}:empty`);
    expect(result).toEqual({ latest: null, track: [] });
  });

  it('keeps the latest position and a track bounded to its length, oldest first', async () => {
    const p = `${prefix}:bounded`;
    for (const ts of [100, 105, 110, 115, 120]) {
      await saveIssPosition(redis, p, at(ts), { trackLength: 3, ttlSeconds: 60 });
    }
    const { latest, track } = await readIssPosition(redis, p);
    expect(latest).toEqual(at(120));
    expect(track.map((x) => x.timestamp)).toEqual([110, 115, 120]);
  });

  it('refuses a position whose timestamp is already stored or older than the latest', async () => {
    const p = `${prefix}:dupes`;
    const options = { trackLength: 10, ttlSeconds: 60 };
    expect(await saveIssPosition(redis, p, at(200), options)).toBe(true);
    expect(await saveIssPosition(redis, p, at(200, 'wheretheiss'), options)).toBe(false);
    expect(await saveIssPosition(redis, p, at(199), options)).toBe(false);
    expect(await saveIssPosition(redis, p, at(201, 'sgp4'), options)).toBe(true);
    const { track } = await readIssPosition(redis, p);
    expect(track).toEqual([at(200), at(201, 'sgp4')]);
  });

  it('sets a TTL on the track so it disappears without a poller', async () => {
    const p = `${prefix}:ttl`;
    await saveIssPosition(redis, p, at(300), { trackLength: 5, ttlSeconds: 42 });
    const ttl = await redis.ttl(issTrackKey(p));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(42);
  });

  it('rejects a position outside the valid ranges without writing it', async () => {
    const p = `${prefix}:invalid`;
    await expect(
      saveIssPosition(redis, p, { ...at(400), latitude: 91 }, { trackLength: 5, ttlSeconds: 60 }),
    ).rejects.toThrow();
    expect((await readIssPosition(redis, p)).latest).toBeNull();
  });

  it('keeps fractional timestamps in order', async () => {
    const p = `${prefix}:fractions`;
    const options = { trackLength: 5, ttlSeconds: 60 };
    expect(await saveIssPosition(redis, p, at(500.25, 'sgp4'), options)).toBe(true);
    expect(await saveIssPosition(redis, p, at(500.5, 'sgp4'), options)).toBe(true);
    expect((await readIssPosition(redis, p)).latest?.timestamp).toBe(500.5);
  });
});
