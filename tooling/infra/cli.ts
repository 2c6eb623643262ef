/**
 * npm run infra:up | infra:down | infra:status
 * Local Kafka and Redis without Docker; see tooling/infra/infra.ts for what each command does.
 */
import { InfraError, infraDown, infraSettings, infraStatus, infraUp } from './infra.ts';

async function main(command: string | undefined): Promise<void> {
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
      return infraDown(settings);
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
      return;
    }
    default:
      throw new InfraError(
        `usage: tsx tooling/infra/cli.ts up|down|status (got ${JSON.stringify(command ?? '')})`,
      );
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof InfraError ? `infra: ${error.message}` : error);
  process.exitCode = 1;
});
