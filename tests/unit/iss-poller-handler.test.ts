/**
 * The iss-poller handler built from its dependencies, with sources and sinks in memory: what an
 * operator sees of a source that fails in a way nobody foresaw.
 */
import type { IssPosition } from '#contracts/iss-position.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import type { IssSource } from '../../functions/iss-poller/api-sources.ts';
import { createIssPollerHandler } from '../../functions/iss-poller/app.ts';
import { captureJsonLines } from '../support/json-lines.ts';
import { lambdaContext, scheduledEvent } from '../support/lambda.ts';

const orbitPosition: IssPosition = {
  latitude: 12.5,
  longitude: -40.25,
  timestamp: 1_800_000_000,
  source: 'sgp4',
};

function pollerWith(sources: IssSource[], published: IssPosition[]) {
  return createIssPollerHandler({
    sources,
    positions: async () => ({
      publish: async (position) => {
        published.push(position);
      },
    }),
    polling: { pollIntervalSeconds: 5, pollDurationSeconds: 0, requestTimeoutSeconds: 1 },
    logger: createLogger('iss-poller', 'INFO'),
    metrics: createMetrics('iss-poller'),
  });
}

describe('iss-poller handler', () => {
  it('logs and counts a TypeError from a source, and still publishes the next source’s position', async () => {
    const published: IssPosition[] = [];
    const broken: IssSource = {
      name: 'open-notify',
      fetch: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'latitude')");
      },
    };
    const orbit: IssSource = { name: 'sgp4', fetch: async () => orbitPosition };
    const handler = pollerWith([broken, orbit], published);

    const { result, lines } = await captureJsonLines(() =>
      handler(scheduledEvent(), lambdaContext('iss-poller', 10_000)),
    );

    expect(result).toMatchObject({ polls: 1, published: 1 });
    expect(published).toEqual([orbitPosition]);
    const logged = lines.find((l) => l.message === 'ISS source failed unexpectedly');
    expect(logged).toMatchObject({ level: 'ERROR', service: 'iss-poller', source: 'open-notify' });
    expect(JSON.stringify(logged?.error)).toContain('TypeError');
    expect(JSON.stringify(logged?.error)).toContain("reading 'latitude'");
    const counted = lines.filter((l) => l.IssSourceErrors !== undefined);
    expect(counted).toEqual([expect.objectContaining({ IssSourceErrors: 1, source: 'open-notify' })]);
  });
});
