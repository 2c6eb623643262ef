/** ISS position state in Redis: what `iss-tracker` writes and the HTTP function and generator read. */
export * from './positions.ts';
