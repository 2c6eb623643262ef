/**
 * What `npm start` tells a person about the services it runs on: the banner once everything
 * answers, and on the way out who started Kafka and Redis and how to stop what stays running.
 * Pure, from infra's UpResult.
 */
import type { ServiceKey, UpResult } from '../infra/infra.ts';

const NAME: Record<ServiceKey, string> = { kafka: 'Kafka', redis: 'Redis' };

/** Who started a service, in the words of the banner. */
export function origin(infra: Pick<UpResult, 'started' | 'reusedOurs'>, key: ServiceKey): string {
  if (infra.started.includes(key)) return 'started by npm start';
  if (infra.reusedOurs.includes(key))
    return 'already running: started by an earlier npm start or npm run infra:up';
  return 'already running: not started by this project (Docker or a system service?)';
}

export interface BannerInput {
  readonly host: string;
  readonly httpPort: number;
  readonly lambdaPort: number;
  readonly schedules: boolean;
  readonly logFile: string;
  readonly infra: Pick<UpResult, 'started' | 'reusedOurs' | 'kafkaBrokers' | 'redisUrl'>;
}

export function bannerLines(b: BannerInput): string[] {
  const api = `http://${b.host}:${b.httpPort}`;
  return [
    '',
    'The pipeline is running:',
    `  Dashboard          ${api}/`,
    `  Top hashtags API   ${api}/top-hashtags?limit=10   (live table: npm run top)`,
    `  ISS position API   ${api}/iss/position`,
    `  Lambda Invoke API  http://${b.host}:${b.lambdaPort} (serverless offline; functions trending-hashtags-local-*)`,
    `  Kafka              ${b.infra.kafkaBrokers} (${origin(b.infra, 'kafka')})`,
    `  Redis              ${b.infra.redisUrl} (${origin(b.infra, 'redis')})`,
    `  Producers          ${b.schedules ? 'iss-poller and tweet-generator: once now, then every minute' : 'off (--no-schedules)'}`,
    '  Counter            hashtag-counter, fed by the Kafka event-source emulator (status line every 5 s)',
    `  Logs               ${b.logFile} (all of them, JSON; LOG_LEVEL=DEBUG npm start shows them here too)`,
    'Below: the status line, and problems when they start and when they end. Ctrl-C stops everything npm start started.',
    '',
  ];
}

/** The last line on the way out: what was stopped, what stays running, and how to stop it. */
export function stoppedLine(infra: Pick<UpResult, 'started' | 'reused' | 'reusedOurs'>): string {
  const ours = infra.reused.filter((k) => infra.reusedOurs.includes(k));
  const foreign = infra.reused.filter((k) => !infra.reusedOurs.includes(k));
  const parts: string[] = [];
  if (ours.length > 0) {
    parts.push(
      `left running: ${ours.map((k) => NAME[k]).join(' and ')}, started by an earlier npm start or npm run infra:up; \`npm run infra:down\` stops ${ours.length > 1 ? 'them' : 'it'}`,
    );
  }
  if (foreign.length > 0) {
    parts.push(`left running: ${foreign.map((k) => NAME[k]).join(' and ')}, not started by this project`);
  }
  return `stopped${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}
