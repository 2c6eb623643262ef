/** Free loopback ports for servers a test starts (they listen on 127.0.0.1 only). */
import getPort from 'get-port';

/**
 * `count` distinct free loopback ports. get-port holds each port it hands out for a while, so the
 * same port is not given twice in this process before its server binds it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await getPort({ host: '127.0.0.1', exclude: ports }));
  return ports;
}

/** One free loopback port. */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}
