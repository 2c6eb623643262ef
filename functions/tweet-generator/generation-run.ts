/**
 * One invocation's worth of tweets: `count` tweets, either all at once (rate 0) or paced at
 * `tweetsPerSecond` over the invocation, each with its real event time, handed to a publisher
 * and flushed before returning. Stops early, flushed, when the invocation runs out of time.
 */
import type { IssPosition } from '#contracts/iss-position.ts';
import type { Clock } from '#lib/clock.ts';
import type { GeneratedTweet, TweetModel } from './tweet-model.ts';

export interface TweetSink {
  publish(tweet: GeneratedTweet): Promise<void>;
  flush(): Promise<void>;
}

export interface GenerationPlan {
  readonly count: number;
  /** 0: as fast as the producer takes them. */
  readonly tweetsPerSecond: number;
  /** Scenario time of the run (the schedule's time), epoch ms: decides which bursts are active. */
  readonly scenarioStartMs: number;
  /** Absolute time (clock ms) by which generation stops, leaving time to flush. */
  readonly deadlineMs: number;
}

export interface GenerationResult {
  generated: number;
  issTweets: number;
  durationMs: number;
  stoppedEarly: boolean;
}

// Paced runs hand tweets over in ticks of this length (fewer timers, still smooth per second).
const TICK_MS = 100;

/** Event time in epoch seconds with millisecond fractions. */
const eventTime = (ms: number) => Math.round(ms) / 1000;

export async function generateTweets(
  plan: GenerationPlan,
  model: TweetModel,
  iss: IssPosition | null,
  sink: TweetSink,
  clock: Clock,
): Promise<GenerationResult> {
  const start = clock.now();
  const result: GenerationResult = { generated: 0, issTweets: 0, durationMs: 0, stoppedEarly: false };
  const emit = async (i: number) => {
    const offsetMs = plan.tweetsPerSecond > 0 ? (i * 1000) / plan.tweetsPerSecond : 0;
    const tweet = model.next(eventTime(clock.now()), iss, (plan.scenarioStartMs + offsetMs) / 1000);
    if (tweet.texto.includes('#ISS')) result.issTweets += 1;
    result.generated += 1;
    await sink.publish(tweet);
  };

  if (plan.tweetsPerSecond <= 0) {
    for (let i = 0; i < plan.count; i++) {
      // Checking the clock every 1000 tweets keeps it off the hot path.
      if (i % 1000 === 0 && clock.now() >= plan.deadlineMs) {
        result.stoppedEarly = true;
        break;
      }
      await emit(i);
    }
  } else {
    let i = 0;
    while (i < plan.count) {
      const now = clock.now();
      if (now >= plan.deadlineMs) {
        result.stoppedEarly = true;
        break;
      }
      const due = Math.min(plan.count, Math.floor(((now - start) * plan.tweetsPerSecond) / 1000) + 1);
      for (; i < due; i++) await emit(i);
      if (i < plan.count) await clock.sleep(Math.min(TICK_MS, Math.max(1, plan.deadlineMs - clock.now())));
    }
  }
  await sink.flush();
  result.durationMs = clock.now() - start;
  return result;
}
