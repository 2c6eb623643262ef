/**
 * npm run infra:up | infra:down [-- --wipe] | infra:status
 * Local Kafka and Redis without Docker; see tooling/infra/infra.ts for what each command does.
 */
import { parseArgs } from 'node:util';
import { InfraError, infraDown, infraSettings, infraStatus, infraUp, wipeLocalData } from './infra.ts';

const USAGE = 'usage: tsx tooling/infra/cli.ts up | down [--wipe] | status';

async function main(argv: readonly string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { wipe: { type: 'boolean', default: false } },
  });
  const [command, ...extra] = positionals;
  if (extra.length > 0 || (values.wipe && command !== 'down')) throw new InfraError(USAGE);
  const settings = infraSettings();
  switch (command) {
    case 'up': {
      const started = Date.now();
      const result = await infraUp(settings);
      console.log(
        `Ready in ${((Date.now() - started) / 1000).toFixed(1)} s: KAFKA_BROKERS=${result.kafkaBrokers} REDIS_URL=${result.redisUrl}`,
      );
      return;
    }
    case 'down':
      await infraDown(settings);
      if (values.wipe) await wipeLocalData(settings);
      return;
    case 'status': {
      const { services, topics } = await infraStatus(settings);
      for (const s of services) {
        const state = s.answering ? 'up' : 'down';
        const owner = s.ours
          ? `started by infra:up, pid ${s.ours}`
          : s.answering
            ? 'not started by infra:up'
            : '';
        console.log(`${s.name.padEnd(6)} ${s.address.padEnd(16)} ${state.padEnd(5)} ${owner}`);
      }
      if (topics.length > 0) console.log(`Topics: ${topics.join(', ')}`);
      for (const s of services) console.log(`${`${s.name} data:`.padEnd(12)} ${s.data}`);
      for (const s of services) console.log(`${`${s.name} log:`.padEnd(12)} ${s.logFile}`);
      console.log('To start empty: npm run infra:down -- --wipe (removes both data folders above)');
      return;
    }
    default:
      throw new InfraError(`${USAGE} (got ${JSON.stringify(command ?? '')})`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof InfraError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(known ? `infra: ${(error as Error).message}` : error);
  process.exitCode = 1;
});
