/** What a handler writes: Powertools log lines and EMF metric lines are JSON objects, one per line. */

/** Captures the JSON lines written to stdout and stderr (Powertools logs, EMF metrics) while `fn` runs. */
export async function captureJsonLines<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const result = await fn();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { result, lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
