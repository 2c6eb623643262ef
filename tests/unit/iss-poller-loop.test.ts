import type { IssPosition } from '#contracts/iss-position.ts';
import type { Clock } from '#lib/clock.ts';
import {
  BrokenCircuitError,
  IssResponseRejected,
  type IssSource,
} from '../../functions/iss-poller/api-sources.ts';
import { type PollPlan, pollIss } from '../../functions/iss-poller/poller.ts';

/** A clock that only moves when the loop sleeps (or a source takes "time"). */
function fakeClock(startMs = 1_000_000): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

const plan = (overrides: Partial<PollPlan> = {}): PollPlan => ({
  intervalMs: 5000,
  pollDurationMs: 56_000,
  remainingMs: 65_000,
  safetyMarginMs: 2000,
  pollBudgetMs: 5000,
  ...overrides,
});

const position = (timestamp: number, source: IssPosition['source'] = 'open-notify'): IssPosition => ({
  latitude: 1,
  longitude: 2,
  timestamp,
  source,
});

/** A source that answers from a script: a position, or an error to throw. */
function scripted(
  name: IssSource['name'],
  script: Array<IssPosition | Error>,
): IssSource & { calls: number } {
  const source = {
    name,
    calls: 0,
    fetch: async () => {
      const next = script[source.calls++] ?? new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return source;
}

function sinks() {
  const published: IssPosition[] = [];
  return {
    published,
    publish: async (p: IssPosition) => {
      published.push(p);
    },
  };
}

describe('ISS polling loop', () => {
  it('polls every interval for the poll duration: 12 polls in a 1-minute schedule at 5 s', async () => {
    const clock = fakeClock();
    const source = scripted(
      'sgp4',
      Array.from({ length: 20 }, (_, i) => position(100 + i * 5, 'sgp4')),
    );
    const out = sinks();

    const summary = await pollIss(plan(), { sources: [source], clock, ...out });

    expect(summary.polls).toBe(12);
    expect(out.published.map((p) => p.timestamp)).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i * 5));
    expect(clock.sleeps.every((ms) => ms === 5000)).toBe(true);
  });

  it('stops before the remaining time minus the safety margin runs out', async () => {
    const clock = fakeClock();
    const source = scripted(
      'sgp4',
      Array.from({ length: 20 }, (_, i) => position(i + 1, 'sgp4')),
    );

    const summary = await pollIss(plan({ remainingMs: 12_500 }), { sources: [source], clock, ...sinks() });

    // Polls at 0, 5 and 10 s would end past 12.5 - 2 = 10.5 s only for the one at 10 s's budget.
    expect(summary.polls).toBe(3);
    expect(clock.now() - 1_000_000).toBeLessThanOrEqual(10_500);
  });

  it('polls once when there is no poll duration (serverless invoke local)', async () => {
    const clock = fakeClock();
    const source = scripted('sgp4', [position(1, 'sgp4'), position(2, 'sgp4')]);

    const summary = await pollIss(plan({ pollDurationMs: 0 }), { sources: [source], clock, ...sinks() });

    expect(summary).toMatchObject({ polls: 1, published: 1 });
  });

  it('does not publish a timestamp twice, nor an older one', async () => {
    const clock = fakeClock();
    const source = scripted('open-notify', [position(10), position(10), position(9), position(15)]);
    const out = sinks();

    const summary = await pollIss(plan({ pollDurationMs: 16_000 }), { sources: [source], clock, ...out });

    expect(out.published.map((p) => p.timestamp)).toEqual([10, 15]);
    expect(summary.duplicates).toBe(2);
  });

  it('falls back to the next source in order and reports a skipped open circuit', async () => {
    const clock = fakeClock();
    const primary = scripted('open-notify', [new Error('HTTP 500'), new BrokenCircuitError()]);
    const fallback = scripted('wheretheiss', [position(30, 'wheretheiss'), new Error('timeout')]);
    const orbit = scripted('sgp4', [position(35, 'sgp4')]);
    const out = sinks();
    const events: string[] = [];

    const summary = await pollIss(plan({ pollDurationMs: 6000 }), {
      sources: [primary, fallback, orbit],
      clock,
      ...out,
      onEvent: (e) => events.push(e.type === 'source-skipped' ? `skipped:${e.source}:${e.reason}` : e.type),
    });

    expect(out.published).toEqual([position(30, 'wheretheiss'), position(35, 'sgp4')]);
    expect(summary.bySource).toEqual({ 'open-notify': 0, wheretheiss: 1, sgp4: 1 });
    expect(events).toContain('skipped:open-notify:circuit open');
  });

  it('reports a source error that is neither a rejected answer nor an open circuit, and falls back', async () => {
    const clock = fakeClock();
    const broken: IssSource = {
      name: 'open-notify',
      fetch: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'latitude')");
      },
    };
    const rejected: IssSource = {
      name: 'wheretheiss',
      fetch: async () => {
        throw new IssResponseRejected('wheretheiss', 'http-status', 'HTTP 503');
      },
    };
    const orbit = scripted('sgp4', [position(45, 'sgp4')]);
    const out = sinks();
    const failures: Array<{ source: string; error: unknown }> = [];

    await pollIss(plan({ pollDurationMs: 0 }), {
      sources: [broken, rejected, orbit],
      clock,
      ...out,
      onEvent: (e) => {
        if (e.type === 'source-failed') failures.push({ source: e.source, error: e.error });
      },
    });

    // The rejection was reported by its source already; the TypeError only here.
    expect(failures).toHaveLength(1);
    expect(failures[0]?.source).toBe('open-notify');
    expect(failures[0]?.error).toBeInstanceOf(TypeError);
    expect(out.published).toEqual([position(45, 'sgp4')]);
  });

  it('counts a poll without any valid position and goes on', async () => {
    const clock = fakeClock();
    const primary = scripted('open-notify', [new Error('bad'), position(40)]);
    const out = sinks();

    const summary = await pollIss(plan({ pollDurationMs: 6000 }), { sources: [primary], clock, ...out });

    expect(summary).toMatchObject({ polls: 2, noPosition: 1, published: 1 });
  });

  it('skips the slots a slow poll overran instead of polling in a burst', async () => {
    const clock = fakeClock();
    let calls = 0;
    const slow: IssSource = {
      name: 'open-notify',
      fetch: async () => {
        calls += 1;
        if (calls === 1) clock.advance(12_000);
        return position(calls * 100);
      },
    };

    const summary = await pollIss(plan({ pollDurationMs: 21_000 }), { sources: [slow], clock, ...sinks() });

    // Slots at 0 (slow, ends at 12 s), then 15 and 20 s: slots 5 and 10 s are skipped.
    expect(summary.polls).toBe(3);
  });

  it('propagates a Kafka failure instead of reporting success', async () => {
    const clock = fakeClock();
    const source = scripted('sgp4', [position(1, 'sgp4')]);

    await expect(
      pollIss(plan(), {
        sources: [source],
        clock,
        publish: async () => {
          throw new Error('Kafka is unreachable');
        },
      }),
    ).rejects.toThrow('Kafka is unreachable');
  });
});
