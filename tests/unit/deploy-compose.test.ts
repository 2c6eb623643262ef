/**
 * docker-compose.yml gives Docker users the same services as `npm run infra:up`: the same Kafka
 * version and ports, the same topics with the same partitions, pinned images and health checks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { infraSettings, KAFKA_VERSION } from '../../tooling/infra/infra.ts';

interface Service {
  image: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
  profiles?: string[];
}

const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

describe('docker-compose.yml', () => {
  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/:\d+(\.\d+)+(-[\w.]+)?$/),
      });
    }
  });

  it('runs the same Kafka version as the local scripts, in KRaft mode, on 127.0.0.1:9092', () => {
    const kafka = service('kafka');
    expect(kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(kafka.ports).toEqual(['127.0.0.1:9092:9092']);
    expect(JSON.stringify(kafka)).toContain('KAFKA_PROCESS_ROLES');
  });

  it('serves Redis 7 on 127.0.0.1:6379 and LocalStack on 127.0.0.1:4566 only when asked for', () => {
    expect(service('redis').image).toMatch(/^redis:7\./);
    expect(service('redis').ports).toEqual(['127.0.0.1:6379:6379']);
    expect(service('localstack').ports).toEqual(['127.0.0.1:4566:4566']);
    expect(service('localstack').profiles).toEqual(['aws']);
  });

  it('health-checks every long-running service', () => {
    for (const name of ['kafka', 'redis', 'localstack']) {
      expect(service(name).healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it('creates the same topics with the same partitions as npm run infra:up, once Kafka is healthy', () => {
    const init = service('kafka-init');
    expect(init.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    const script = Array.isArray(init.command) ? init.command.join('\n') : String(init.command);
    const declared = /for topic in ([^;]+);/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
    const topics = declared.map((t) => {
      const [name, partitions] = t.split(':');
      return { name, partitions: Number(partitions) };
    });
    const expected = infraSettings({}).topics.map((t) => ({ name: t.name, partitions: t.partitions }));
    expect(topics).toEqual(expect.arrayContaining(expected));
  });
});
