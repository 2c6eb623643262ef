import { replayRange } from '../../functions/iss-tracker/restore-track.ts';

describe('the records replayed to restore a lost ISS track', () => {
  it('replays the track length of records just before the batch', () => {
    expect(replayRange(500, 0, 120)).toEqual({ from: 380, to: 500 });
  });

  it('starts at the log start when the broker holds fewer records than the track', () => {
    expect(replayRange(50, 0, 120)).toEqual({ from: 0, to: 50 });
    expect(replayRange(500, 450, 120)).toEqual({ from: 450, to: 500 });
  });

  it('replays nothing for a batch at the log start (a new group from TRIM_HORIZON)', () => {
    expect(replayRange(0, 0, 120)).toBeNull();
    expect(replayRange(450, 450, 120)).toBeNull();
  });

  it('replays nothing when the broker no longer holds the records before the batch', () => {
    expect(replayRange(450, 600, 120)).toBeNull();
  });

  it('replays at least one record for a track length below one', () => {
    expect(replayRange(10, 0, 0)).toEqual({ from: 9, to: 10 });
  });
});
