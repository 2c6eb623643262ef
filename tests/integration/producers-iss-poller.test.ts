/**
 * The iss-poller handler, invoked with the EventBridge scheduled event, against a loopback HTTP
 * server that plays the ISS APIs (scripted answers, good and bad) and the real Kafka broker. The
 * poller writes to Kafka only: Redis is iss-tracker's (tests/integration/iss-tracker-*.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig } from '#lib/config.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { createIssPollerHandler } from '../../functions/iss-poller/app.ts';
import { createIssSources } from '../../functions/iss-poller/iss-sources.ts';
import { OrbitPropagator } from '../../functions/iss-poller/orbit.ts';
import { kafkaPositionSinks } from '../../functions/iss-poller/position-sinks.ts';
import { rejectionReporter } from '../../functions/iss-poller/telemetry.ts';
import { deleteKeysWithPrefix } from '../fixtures/msk/kafka-events.ts';
import { captureJsonLines } from '../support/json-lines.ts';
import { lambdaContext, scheduledEvent } from '../support/lambda.ts';
import { REDIS_URL } from '../support/services.ts';
import { createTopic, deleteTopics, readTopic, testProducer } from './producers-helpers.ts';

type Answer = { status?: number; body: string; contentType?: string; delayMs?: number };

const json = (value: unknown): Answer => ({ body: JSON.stringify(value) });
const openNotify = (timestamp: number, latitude: string, longitude: string): Answer =>
  json({ message: 'success', timestamp, iss_position: { latitude, longitude } });
const whereTheIss = (timestamp: number, latitude: number, longitude: number): Answer =>
  json({
    name: 'iss',
    id: 25544,
    latitude,
    longitude,
    altitude: 417.2,
    velocity: 27580.1,
    timestamp,
    units: 'kilometers',
  });
const unavailable: Answer = { status: 503, body: 'Service Unavailable', contentType: 'text/plain' };

/** Serves each path's scripted answers in order, then 503 for ever; counts the requests. */
class FakeIssApi {
  readonly scripts = new Map<string, Answer[]>();
  readonly requests = new Map<string, number>();
  private server: Server | undefined;
  private base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
      const answer = this.scripts.get(path)?.shift() ?? unavailable;
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' });
        res.end(answer.body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const api = new FakeIssApi();
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const keyPrefix = `test:${randomUUID()}`;
const topics: string[] = [];
const producer = testProducer();

beforeAll(() => api.start());
afterAll(async () => {
  await api.stop();
  await deleteTopics(topics);
  await deleteKeysWithPrefix(redis, keyPrefix);
  await redis.quit();
  await producer.close();
});

/**
 * A new container for each call (fresh sources, so fresh circuit breakers), configured by these
 * settings (as environment variables), on the test's Redis and producer.
 */
async function invokePoller(env: Record<string, string>, remainingMs = 15_000) {
  const config = loadConfig({
    STAGE: 'local',
    ISS_TLE_URL: '',
    ISS_POLL_INTERVAL: '0.1',
    ISS_REQUEST_TIMEOUT: '0.3',
    ...env,
  });
  const logger = createLogger('iss-poller', 'INFO');
  const metrics = createMetrics('iss-poller');
  const handler = createIssPollerHandler({
    sources: createIssSources(config, rejectionReporter(logger, metrics)).sources,
    positions: kafkaPositionSinks({ producer: producer.get, topic: config.topics.iss }),
    polling: config.iss,
    logger,
    metrics,
  });
  return captureJsonLines(() => handler(scheduledEvent(), lambdaContext('iss-poller', remainingMs)));
}

const published = async (topic: string) =>
  (await readTopic(topic)).map((r) => JSON.parse(r.value) as unknown);

describe('iss-poller handler', () => {
  it('publishes exactly the valid positions, in order, once each, and rejects every bad answer', async () => {
    const topic = await createTopic('iss-valid');
    topics.push(topic);
    const prefix = `${keyPrefix}:primary`;
    api.scripts.set('/primary', [
      openNotify(1_800_000_000, '-7.9763', '20.0481'),
      { status: 500, body: '{"message":"internal error"}' },
      openNotify(1_800_000_005, '-5.1000', '23.5000'),
      { ...openNotify(1_800_000_099, '0', '0'), delayMs: 1000 },
      openNotify(1_800_000_010, '-2.2500', '26.7500'),
      { body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' },
      openNotify(1_800_000_015, '0.6000', '29.9000'),
      json({ message: 'success', timestamp: 1_800_000_020, position: { lat: 1, lon: 2 } }),
      openNotify(1_800_000_015, '0.6000', '29.9000'),
      openNotify(1_800_000_025, '95.0000', '33.0000'),
      openNotify(1_800_000_030, 'north', 'east'),
      openNotify(1_800_000_035, '6.3000', '36.4000'),
    ]);

    const { result, lines } = await invokePoller({
      ISS_API_URL: api.url('/primary'),
      ISS_FALLBACK_API_URL: '',
      ISS_SGP4_FALLBACK: 'false',
      ISS_TOPIC: topic,
      REDIS_KEY_PREFIX: prefix,
      ISS_POLL_DURATION: '3',
    });

    const expected = [
      { latitude: -7.9763, longitude: 20.0481, timestamp: 1_800_000_000, source: 'open-notify' },
      { latitude: -5.1, longitude: 23.5, timestamp: 1_800_000_005, source: 'open-notify' },
      { latitude: -2.25, longitude: 26.75, timestamp: 1_800_000_010, source: 'open-notify' },
      { latitude: 0.6, longitude: 29.9, timestamp: 1_800_000_015, source: 'open-notify' },
      { latitude: 6.3, longitude: 36.4, timestamp: 1_800_000_035, source: 'open-notify' },
    ];
    expect(await published(topic)).toEqual(expected);
    // Kafka is the source of truth: the poller writes no Redis key at all.
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect(api.scripts.get('/primary')).toEqual([]);
    expect(result).toMatchObject({ published: 5, duplicates: 1 });

    const reasons = lines.filter((l) => l.message === 'ISS response rejected').map((l) => l.reason);
    expect(reasons.slice(0, 6)).toEqual([
      'http-status',
      'timeout',
      'not-json',
      'wrong-shape',
      'out-of-range',
      'wrong-shape',
    ]);
    const rejectedMetrics = lines.filter((l) => typeof l.IssResponsesRejected === 'number');
    expect(rejectedMetrics.length).toBe(reasons.length);
  });

  it('uses the fallback API while the primary is down, and stops calling the primary once its circuit opens', async () => {
    const topic = await createTopic('iss-fallback');
    topics.push(topic);
    api.scripts.set('/down', []);
    api.scripts.set('/fallback', [
      whereTheIss(1_800_001_000, 50.11, 118.07),
      whereTheIss(1_800_001_005, 50.3, 119.2),
      whereTheIss(1_800_001_010, 50.45, 120.4),
    ]);

    const { result } = await invokePoller({
      ISS_API_URL: api.url('/down'),
      ISS_FALLBACK_API_URL: api.url('/fallback'),
      ISS_SGP4_FALLBACK: 'false',
      ISS_TOPIC: topic,
      REDIS_KEY_PREFIX: `${keyPrefix}:fallback`,
      ISS_POLL_DURATION: '1',
    });

    expect(await published(topic)).toEqual([
      { latitude: 50.11, longitude: 118.07, timestamp: 1_800_001_000, source: 'wheretheiss' },
      { latitude: 50.3, longitude: 119.2, timestamp: 1_800_001_005, source: 'wheretheiss' },
      { latitude: 50.45, longitude: 120.4, timestamp: 1_800_001_010, source: 'wheretheiss' },
    ]);
    // Poll 1: attempt + retry (2 failures); poll 2: one more opens the circuit; then skipped.
    expect(api.requests.get('/down')).toBe(3);
    expect(result.polls).toBeGreaterThan(5);
  });

  it('keeps publishing SGP4 positions from the bundled TLE when both APIs are down', async () => {
    const topic = await createTopic('iss-sgp4');
    topics.push(topic);

    const { result } = await invokePoller({
      ISS_API_URL: api.url('/gone-1'),
      ISS_FALLBACK_API_URL: api.url('/gone-2'),
      ISS_TOPIC: topic,
      REDIS_KEY_PREFIX: `${keyPrefix}:sgp4`,
      // SGP4 positions carry whole seconds: 2 s apart they can never share one.
      ISS_POLL_INTERVAL: '2',
      ISS_POLL_DURATION: '4.5',
    });

    const positions = (await published(topic)) as Array<{
      latitude: number;
      longitude: number;
      timestamp: number;
      source: string;
    }>;
    expect(positions).toHaveLength(3);
    expect(result).toMatchObject({ polls: 3, published: 3, duplicates: 0 });
    expect(result.bySource.sgp4).toBe(3);
    const orbit = new OrbitPropagator();
    for (const p of positions) expect(p).toEqual(orbit.positionAt(p.timestamp * 1000));
    const stamps = positions.map((p) => p.timestamp);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
    expect(Math.abs((stamps[0] ?? 0) - Date.now() / 1000)).toBeLessThan(10);
  });
});
