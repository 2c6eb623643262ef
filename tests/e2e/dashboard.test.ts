/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, the real handler
 * behind a loopback HTTP server, counts written to the real Redis through `state/`. Saves a
 * screenshot to tests/artifacts/dashboard.png (and the phone and empty views beside it).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { loadConfig } from '#lib/config.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { saveIssPosition } from '#state/iss/index.ts';
import { countRecords, createTestApi, startHttpServer, testSettings } from '../support/http-api.ts';
import { REDIS_URL } from '../support/services.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('tests/artifacts');

let redis: RedisClient;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let browser: BrowserContext;
let page: Page;
let userDataDir: string;
const settings = testSettings();
const topic = 'tweets_topic';
const requested: string[] = [];
const consoleErrors: string[] = [];

/** A circular-orbit approximation of the ISS ground track (inclination 51.6°, 92.9 min period). */
function groundTrack(points: number, stepSeconds: number, endSeconds: number) {
  const inclination = (51.6 * Math.PI) / 180;
  const periodSeconds = 92.9 * 60;
  return Array.from({ length: points }, (_, i) => {
    const t = endSeconds - (points - 1 - i) * stepSeconds;
    const u = (2 * Math.PI * (t % periodSeconds)) / periodSeconds;
    const latitude = (Math.asin(Math.sin(inclination) * Math.sin(u)) * 180) / Math.PI;
    const ascending = (Math.atan2(Math.cos(inclination) * Math.sin(u), Math.cos(u)) * 180) / Math.PI;
    // The Earth turns 360° a sidereal day under the orbit.
    const longitude = ((((ascending - (t / 86_164) * 360 + 20) % 360) + 540) % 360) - 180;
    return {
      latitude: Math.round(latitude * 1e4) / 1e4,
      longitude: Math.round(longitude * 1e4) / 1e4,
      timestamp: t,
      source: 'open-notify' as const,
    };
  });
}

/** Bars and risers whose name runs out of its box or into the count beside it (none expected). */
async function labelsInsideTheirRows(): Promise<string[]> {
  return page.$$eval('#bars li.bar, #rising li.riser', (items) =>
    items.flatMap((li) => {
      const tag = li.querySelector('.tag') as HTMLElement;
      const count = li.querySelector('.count, .spark') as Element;
      const box = tag.getBoundingClientRect();
      const overflows =
        tag.scrollWidth > tag.clientWidth + 1 && getComputedStyle(tag).textOverflow !== 'ellipsis';
      return box.right > count.getBoundingClientRect().left || overflows ? [tag.textContent ?? ''] : [];
    }),
  );
}

/** The bars as the page shows them, in rank order. */
async function shownBars(): Promise<Array<{ hashtag: string; rank: number; count: string }>> {
  return page.$$eval('#bars li.bar', (items) =>
    items
      .map((li) => ({
        hashtag: (li.querySelector('.tag') as HTMLElement).textContent ?? '',
        rank: Number((li as HTMLElement).dataset.rank),
        count: (li.querySelector('.value') as HTMLElement).textContent ?? '',
      }))
      .sort((a, b) => a.rank - b.rank),
  );
}

beforeAll(async () => {
  redis = createRedis(loadConfig({ REDIS_URL: REDIS_URL }));
  await redis.connect();
  const api = createTestApi(redis, settings, { topic });
  server = await startHttpServer(api.handler);

  userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 960 },
    deviceScaleFactor: 1,
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await server?.close();
  const keys = await redis.keys(`${settings.keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('the dashboard in Chromium', () => {
  it('shows the counts from Redis, follows them as they change, and fetches nothing but the API', async () => {
    // Arrange: the last minutes of counts, the current minute's hashtags and a recent ISS track.
    const now = Date.now();
    const t = now - 2_000;
    // One step per earlier minute, oldest first (none is late), all older than the sliding view;
    // #Rising goes from 2 a minute to 30 in the last two minutes.
    for (let m = 12; m >= 1; m -= 1) {
      const past = t - m * 60_000 - 5_000;
      await countRecords(redis, settings, topic, [
        ['#Spark', past, 20 + ((m * 7) % 13)],
        ['#Kafka', past, 15 + ((m * 5) % 11)],
        ['#Serverless', past, 8 + (m % 5)],
        ['#Rising', past, m <= 2 ? 30 : 2],
      ]);
    }
    await countRecords(redis, settings, topic, [
      ['#Spark', t, 42],
      ['#Kafka', t, 35],
      ['#ISS', t, 28],
      ['#Serverless', t, 21],
      ['#Redis', t, 17],
      ['#AWSLambda', t, 12],
      ['#DataEngineering', t, 9],
      ['#TypeScript', t, 6],
      ['#Streaming', t, 4],
      ['#Watermark', t, 2],
    ]);
    for (const position of groundTrack(120, 20, Math.floor(now / 1000) - 3)) {
      await saveIssPosition(redis, settings.keyPrefix, position, { trackLength: 120, ttlSeconds: 3600 });
    }

    // Act: open the page, polling every second.
    await page.goto(`${server.url}/?refresh=1`);
    await page.waitForSelector('#bars li.bar[data-hashtag="#Watermark"]');
    await page.waitForSelector('#status[data-state="live"]');

    // Assert: the ranking as counted.
    expect((await shownBars()).slice(0, 4)).toEqual([
      { hashtag: '#Spark', rank: 1, count: '42' },
      { hashtag: '#Kafka', rank: 2, count: '35' },
      { hashtag: '#ISS', rank: 3, count: '28' },
      { hashtag: '#Serverless', rank: 4, count: '21' },
    ]);
    expect(await page.textContent('#kpi-count')).toBe('176');
    expect(await page.textContent('#kpi-accepted-label')).toContain('all time');
    expect(await page.$$eval('#history rect.col', (cols) => cols.length)).toBe(15);
    // Rising now: the tag that jumped from 2 to 30, with its score, count against baseline and a
    // 15-point sparkline; the evergreen #Spark is not rising.
    await page.waitForSelector('#rising li.riser');
    const risers = await page.$$eval('#rising li.riser', (items) =>
      items.map((li) => ({
        hashtag: li.querySelector('.tag')?.textContent,
        vs: li.querySelector('.vs')?.textContent,
        score: li.querySelector('.score')?.textContent,
        points: li.querySelector('.spark polyline')?.getAttribute('points')?.split(' ').length,
      })),
    );
    expect(risers[0]).toEqual({
      hashtag: '#Rising',
      vs: expect.stringMatching(/^30 vs 2(\.\d)? expected$/),
      score: expect.stringMatching(/^\+\d+(\.\d)?σ$/),
      points: 15,
    });
    expect(risers.map((r) => r.hashtag)).not.toContain('#Spark');
    expect(await page.getAttribute('#iss', 'visibility')).toBe('visible');
    expect(await page.$$eval('#trail line', (lines) => lines.length)).toBeGreaterThan(100);

    // Act: #Kafka overtakes #Spark.
    await countRecords(redis, settings, topic, [['#Kafka', now - 1_000, 30]]);

    // Assert: the page follows within a few refreshes, without a reload.
    await page.waitForFunction(
      () => document.querySelector('#bars li.bar[data-rank="1"] .tag')?.textContent === '#Kafka',
      undefined,
      { timeout: 15_000 },
    );
    expect((await shownBars()).slice(0, 2)).toEqual([
      { hashtag: '#Kafka', rank: 1, count: '65' },
      { hashtag: '#Spark', rank: 2, count: '42' },
    ]);
    expect(await page.textContent('#kpi-count')).toBe('206');

    // Let the bar transitions finish before the picture.
    await page.waitForTimeout(900);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(await labelsInsideTheirRows()).toEqual([]);
    // And on a phone: one column, nothing cut off horizontally, chart labels as large as on a desktop.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(700);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const axisLabelHeights = await page.$$eval('#history text.axis', (labels) =>
      labels.map((l) => l.getBoundingClientRect().height),
    );
    expect(Math.min(...axisLabelHeights)).toBeGreaterThanOrEqual(10);
    expect(await labelsInsideTheirRows()).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 960 });

    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect([...origins]).toEqual([server.url]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('shows an empty window plainly and switches to the tumbling view', async () => {
    const empty = testSettings();
    const api = createTestApi(redis, empty, { topic });
    const emptyServer = await startHttpServer(api.handler);
    try {
      await page.goto(`${emptyServer.url}/?refresh=1`);
      await page.waitForSelector('#status[data-state="live"]');

      expect(await page.isVisible('#bars-empty')).toBe(true);
      expect(await page.textContent('#kpi-count')).toBe('0');
      expect(await page.getAttribute('#iss', 'visibility')).toBe('hidden');

      expect(await page.textContent('#rising-empty')).toContain('No baseline yet');

      await page.click('button[data-view="tumbling"]');
      await page.waitForFunction(() =>
        document.querySelector('#window-label')?.textContent?.startsWith('1 min '),
      );
      expect(await page.getAttribute('button[data-view="tumbling"]', 'aria-pressed')).toBe('true');

      // The span selector moves both lists; a span the retention cannot give a baseline says so.
      await page.click('button[data-span="15m"]');
      await page.waitForFunction(() =>
        document.querySelector('#window-label')?.textContent?.startsWith('15 min '),
      );
      await page.click('button[data-span="60m"]');
      await page.waitForFunction(() =>
        /retention/.test(document.querySelector('#rising-empty')?.textContent ?? ''),
      );
      expect(await page.getAttribute('#status', 'data-state')).toBe('live');
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-empty.png') });
    } finally {
      await emptyServer.close();
    }
  }, 30_000);
});
