/** Is something answering? TCP, Redis PING and a Kafka metadata request, each with a short timeout. */
import net from 'node:net';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

/** Resolves true when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A one-shot client that never retries, for probes and the status command. */
export function probeRedis(host: string, port: number): Redis {
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // ioredis keeps a timer this long after disconnect() on a socket that already closed; a probe
    // must not hold a CLI or a test worker open for the default 2 s.
    disconnectTimeout: 100,
  });
  client.on('error', () => undefined);
  return client;
}

export async function redisAnswers(host: string, port: number): Promise<boolean> {
  if (!(await portOpen(host, port))) return false;
  const client = probeRedis(host, port);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function kafkaAnswers(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  if (!(await portOpen(host, port))) return false;
  const admin = new Kafka({
    clientId: 'infra-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
