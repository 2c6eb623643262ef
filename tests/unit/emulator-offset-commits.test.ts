import { describe, expect, it } from '@jest/globals';
import { CoalescedCommits, type PartitionOffset } from '../../tooling/offline-kafka/offset-commits.ts';

/** A broker stand-in for the commit requests: records each one and settles it when told. */
function recordingSender() {
  const requests: PartitionOffset[][] = [];
  const settlers: Array<(error?: Error) => void> = [];
  const send = (offsets: PartitionOffset[]) => {
    requests.push(offsets);
    return new Promise<void>((resolve, reject) => {
      settlers.push((error) => (error ? reject(error) : resolve()));
    });
  };
  const turn = () => new Promise((r) => setImmediate(r));
  return { requests, settlers, send, turn };
}

describe('coalesced offset commits', () => {
  it('sends the commits of several partitions made in one turn as one request', async () => {
    const broker = recordingSender();
    const commits = new CoalescedCommits(broker.send);
    const done = [commits.commit(0, '10'), commits.commit(1, '7'), commits.commit(2, '3')];
    await broker.turn();
    expect(broker.requests).toEqual([
      [
        { partition: 0, offset: '10' },
        { partition: 1, offset: '7' },
        { partition: 2, offset: '3' },
      ],
    ]);
    broker.settlers[0]?.();
    await expect(Promise.all(done)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('keeps one request in flight and sends only the newest offset of a partition next', async () => {
    const broker = recordingSender();
    const commits = new CoalescedCommits(broker.send);
    const first = commits.commit(0, '10');
    await broker.turn();
    const second = commits.commit(0, '20');
    const third = commits.commit(0, '30');
    await broker.turn();
    expect(broker.requests).toHaveLength(1); // the first is still in flight
    broker.settlers[0]?.();
    await first;
    await broker.turn();
    expect(broker.requests[1]).toEqual([{ partition: 0, offset: '30' }]);
    broker.settlers[1]?.();
    await expect(Promise.all([second, third])).resolves.toEqual([undefined, undefined]);
  });

  it('fails the callers of a request the broker refused; a later commit carries the partition again', async () => {
    const broker = recordingSender();
    const commits = new CoalescedCommits(broker.send);
    const refused = commits.commit(1, '5');
    await broker.turn();
    broker.settlers[0]?.(new Error('The coordinator is not aware of this member'));
    await expect(refused).rejects.toThrow('not aware of this member');
    const retried = commits.commit(1, '9');
    await broker.turn();
    expect(broker.requests[1]).toEqual([{ partition: 1, offset: '9' }]);
    broker.settlers[1]?.();
    await expect(retried).resolves.toBeUndefined();
  });
});
