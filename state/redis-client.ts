/**
 * The client every store takes: a standalone or a cluster ioredis client (both run the same
 * commands, scripts and pipelines; every key one call touches shares a hash slot). Spelled with
 * ioredis' own types so that `state/` depends on no module of ours but `contracts/`; lib/redis.ts
 * creates exactly this union.
 */
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;
