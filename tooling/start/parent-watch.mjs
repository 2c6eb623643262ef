/**
 * Preloaded into serverless offline by `npm start` (`node --import`): serverless offline ends when
 * npm start does, however npm start ends, `kill -9` included. npm start spawns it with an IPC
 * channel; the kernel closes that channel when npm start's process is gone, and then this module
 * stops serverless offline as Ctrl-C would (the emulator commits what it delivered), or by force
 * after 4 s. Plain JavaScript: it runs before any TypeScript loader.
 */
if (process.channel) {
  // The channel alone must not keep serverless offline alive once it has stopped.
  process.channel.unref();
  // Once npm start is gone, its end of the stdout/stderr pipes is too: writes fail with EPIPE,
  // which must not crash the shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGINT');
    // Nobody waits for a tidy end here: past 4 s exit anyway. A batch whose offsets were not
    // committed yet is delivered again at the next start, and the offset guard counts it once.
    setTimeout(() => process.exit(1), 4_000).unref();
  });
}
