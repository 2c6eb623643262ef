import { IssResponseRejected, parseIssResponse } from '../../functions/iss-poller/api-sources.ts';
import { BUNDLED_ISS_TLE, OrbitPropagator, parseIssTle, tleEpoch } from '../../functions/iss-poller/orbit.ts';

const openNotify = (latitude: unknown, longitude: unknown, extra: Record<string, unknown> = {}) => ({
  message: 'success',
  timestamp: 1768612204,
  iss_position: { latitude, longitude },
  ...extra,
});

function rejection(fn: () => unknown): IssResponseRejected {
  try {
    fn();
  } catch (error) {
    if (error instanceof IssResponseRejected) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('ISS API responses', () => {
  it('turns open-notify string coordinates into numbers', () => {
    expect(parseIssResponse('open-notify', openNotify('-7.9763', '20.0481'))).toEqual({
      latitude: -7.9763,
      longitude: 20.0481,
      timestamp: 1768612204,
      source: 'open-notify',
    });
  });

  it('reads the wheretheiss.at shape', () => {
    const body = {
      name: 'iss',
      id: 25544,
      latitude: 50.11,
      longitude: 118.07,
      altitude: 408.05,
      timestamp: 1364069476,
    };
    expect(parseIssResponse('wheretheiss', body)).toEqual({
      latitude: 50.11,
      longitude: 118.07,
      timestamp: 1364069476,
      source: 'wheretheiss',
    });
  });

  it.each([
    ['a latitude above 90', openNotify('90.5', '10'), 'out-of-range'],
    ['a longitude below -180', openNotify('10', '-180.01'), 'out-of-range'],
    ['non-numeric strings', openNotify('north', '10'), 'wrong-shape'],
    ['an empty string', openNotify('', '10'), 'wrong-shape'],
    ['numbers where strings are documented', openNotify(10, 20), 'wrong-shape'],
    ['a failure message', { ...openNotify('1', '2'), message: 'failure' }, 'wrong-shape'],
    [
      'a missing timestamp',
      { message: 'success', iss_position: { latitude: '1', longitude: '2' } },
      'wrong-shape',
    ],
    ['a fractional timestamp', openNotify('1', '2', { timestamp: 1.5 }), 'wrong-shape'],
    ['an array', [], 'wrong-shape'],
  ])('rejects open-notify JSON with %s as %s', (_label, body, reason) => {
    expect(rejection(() => parseIssResponse('open-notify', body)).reason).toBe(reason);
  });

  it('rejects a wheretheiss body for another satellite', () => {
    const body = { id: 99999, latitude: 1, longitude: 2, timestamp: 1364069476 };
    expect(rejection(() => parseIssResponse('wheretheiss', body)).reason).toBe('wrong-shape');
  });

  it('retries transport failures but not wrong answers', () => {
    expect(new IssResponseRejected('open-notify', 'timeout', '').retryable).toBe(true);
    expect(new IssResponseRejected('open-notify', 'http-status', '').retryable).toBe(true);
    expect(new IssResponseRejected('open-notify', 'wrong-shape', '').retryable).toBe(false);
    expect(new IssResponseRejected('open-notify', 'not-json', '').retryable).toBe(false);
  });
});

describe('SGP4 orbit propagation', () => {
  it('accepts the bundled TLE and rejects a corrupted checksum', () => {
    expect(parseIssTle(`ISS (ZARYA)\n${BUNDLED_ISS_TLE.line1}\n${BUNDLED_ISS_TLE.line2}\n`)).toEqual(
      BUNDLED_ISS_TLE,
    );
    const corrupted = `${BUNDLED_ISS_TLE.line1.slice(0, 20)}9${BUNDLED_ISS_TLE.line1.slice(21)}`;
    expect(() => parseIssTle(`${corrupted}\n${BUNDLED_ISS_TLE.line2}`)).toThrow('checksum');
    expect(() => parseIssTle('<html>maintenance</html>')).toThrow('no ISS (25544) element set');
  });

  it('reads the TLE epoch', () => {
    expect(tleEpoch(BUNDLED_ISS_TLE).toISOString()).toMatch(/^2026-09-16T20:27/);
  });

  it('stays within the orbit inclination and moves at orbital speed', () => {
    const propagator = new OrbitPropagator();
    const start = Date.UTC(2026, 10, 22, 4, 0, 0);
    const positions = Array.from({ length: 93 }, (_, minute) =>
      propagator.positionAt(start + minute * 60_000),
    );
    for (const p of positions) {
      // Geodetic latitude peaks slightly above the 51.6° inclination.
      expect(Math.abs(p.latitude)).toBeLessThanOrEqual(52);
      expect(p.longitude).toBeGreaterThanOrEqual(-180);
      expect(p.longitude).toBeLessThanOrEqual(180);
      expect(p.source).toBe('sgp4');
    }
    // About 7.66 km/s on the ground track scale: 10 s is ~0.6-0.75 degrees of great circle.
    const a = propagator.positionAt(start);
    const b = propagator.positionAt(start + 10_000);
    const toRad = Math.PI / 180;
    const arc =
      Math.acos(
        Math.sin(a.latitude * toRad) * Math.sin(b.latitude * toRad) +
          Math.cos(a.latitude * toRad) *
            Math.cos(b.latitude * toRad) *
            Math.cos((b.longitude - a.longitude) * toRad),
      ) / toRad;
    expect(arc).toBeGreaterThan(0.55);
    expect(arc).toBeLessThan(0.75);
    // One orbit (~92.9 min) reaches both the northern and southern extremes.
    expect(Math.max(...positions.map((p) => p.latitude))).toBeGreaterThan(50);
    expect(Math.min(...positions.map((p) => p.latitude))).toBeLessThan(-50);
  });

  it('stamps positions with whole seconds', () => {
    expect(new OrbitPropagator().positionAt(1795322362987).timestamp).toBe(1795322362);
  });
});
