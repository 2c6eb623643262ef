import { jsonLinesLog, OpenProblems } from '../../tooling/offline-kafka/log.ts';

describe('emulator log', () => {
  it('writes one JSON record per line with level, message, service and the fields', () => {
    const lines: string[] = [];
    const log = jsonLinesLog((line) => lines.push(line));

    log.warn('partition stuck', { attention: 'open', partition: 2 });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'WARN',
      message: 'partition stuck',
      service: 'offline-kafka',
      attention: 'open',
      partition: 2,
    });
  });

  it('reports a problem once when it opens and once when it resolves, however often it is checked', () => {
    const lines: string[] = [];
    let now = 1_000;
    const problems = new OpenProblems(
      jsonLinesLog((line) => lines.push(line)),
      () => now,
    );
    const messages = { opened: () => 'broker down', resolved: (ms: number) => `broker back after ${ms} ms` };

    for (const failing of [false, true, true, true, false, false]) {
      problems.check('broker', failing, messages);
      now += 500;
    }

    expect(lines.map((l) => JSON.parse(l) as { attention: string; message: string })).toEqual([
      expect.objectContaining({ attention: 'open', message: 'broker down' }),
      expect.objectContaining({ attention: 'resolved', message: 'broker back after 1500 ms' }),
    ]);
  });
});
