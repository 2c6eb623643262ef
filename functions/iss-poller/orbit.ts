/**
 * The offline source: the ISS position propagated with SGP4 (satellite.js) from a two-line
 * element set. A TLE is bundled so that a machine with no internet still gets real (if
 * approximate) positions; when `ISS_TLE_URL` answers, a fresher TLE replaces it for the
 * container's lifetime.
 */

import {
  degreesLat,
  degreesLong,
  eciToGeodetic,
  gstime,
  propagate,
  type SatRec,
  twoline2satrec,
} from 'satellite.js';
import type { IssPosition } from '#contracts/iss-position.ts';
import type { IssSource } from './api-sources.ts';

/**
 * ISS (ZARYA), NORAD 25544, epoch 2026-09-16 20:27 UTC (day 259.85263506), from CelesTrak's
 * GP data (https://celestrak.org/NORAD/elements/gp.php?CATNR=25544&FORMAT=TLE). SGP4's
 * along-track error grows by kilometres per day from the epoch, and reboosts are not in it:
 * refresh this constant now and then (or let ISS_TLE_URL do it at run time).
 */
export const BUNDLED_ISS_TLE = {
  line1: '1 25544U 98067A   26259.85263506  .00007068  00000+0  13566-3 0  9993',
  line2: '2 25544  51.6307 206.4210 0004838 147.2470 212.8820 15.49143506585961',
} as const;

export interface Tle {
  readonly line1: string;
  readonly line2: string;
}

/** The TLE checksum: digits summed, '-' counts 1, modulo 10, in column 69. */
function checksumOk(line: string): boolean {
  let sum = 0;
  for (const ch of line.slice(0, 68)) {
    if (ch >= '0' && ch <= '9') sum += Number(ch);
    else if (ch === '-') sum += 1;
  }
  return line.length === 69 && String(sum % 10) === line[68];
}

/**
 * Finds the ISS's two lines in a TLE text (2- or 3-line format) and checks them.
 * @throws Error saying what is wrong when no valid ISS element set is in the text.
 */
export function parseIssTle(text: string): Tle {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  const index = lines.findIndex((l) => l.startsWith('1 25544'));
  const line1 = lines[index];
  const line2 = lines[index + 1];
  if (index < 0 || !line1 || !line2?.startsWith('2 25544')) {
    throw new Error('no ISS (25544) element set in the TLE text');
  }
  if (!checksumOk(line1) || !checksumOk(line2)) throw new Error('TLE checksum mismatch');
  const satrec = twoline2satrec(line1, line2);
  if (satrec.error !== 0) throw new Error(`TLE rejected by SGP4 (error ${satrec.error})`);
  return { line1, line2 };
}

/** Epoch of a TLE as a Date (from satellite.js's Julian date). */
export function tleEpoch(tle: Tle): Date {
  const satrec = twoline2satrec(tle.line1, tle.line2);
  return new Date((satrec.jdsatepoch - 2440587.5) * 86_400_000);
}

/** The sub-satellite point at `when`, or null when SGP4 cannot propagate this far. */
export function propagatePosition(
  satrec: SatRec,
  when: Date,
): { latitude: number; longitude: number } | null {
  const state = propagate(satrec, when);
  if (!state || typeof state.position !== 'object') return null;
  const geodetic = eciToGeodetic(state.position, gstime(when));
  const latitude = degreesLat(geodetic.latitude);
  // Normalise to -180..180 (satellite.js returns -pi..pi, but be explicit at the edges).
  const longitude = ((((degreesLong(geodetic.longitude) + 180) % 360) + 360) % 360) - 180;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  return { latitude: round4(latitude), longitude: round4(longitude) };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Loads a fresher TLE from `url`; throws on timeout, HTTP error or an invalid text. */
export async function fetchTle(url: string, timeoutMs: number): Promise<Tle> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return parseIssTle(await response.text());
}

/**
 * The SGP4 source: propagates the current TLE to "now" (whole seconds, like the APIs). The TLE
 * starts as the bundled one and is replaced by `refresh()` when the TLE URL answers.
 */
export class OrbitPropagator {
  private satrec: SatRec;
  private current: Tle;

  constructor(tle: Tle = BUNDLED_ISS_TLE) {
    this.current = parseIssTle(`${tle.line1}\n${tle.line2}`);
    this.satrec = twoline2satrec(this.current.line1, this.current.line2);
  }

  get tle(): Tle {
    return this.current;
  }

  /** Replaces the element set (already validated by {@link parseIssTle}). */
  use(tle: Tle): void {
    this.current = tle;
    this.satrec = twoline2satrec(tle.line1, tle.line2);
  }

  /** The position at `epochMs` (rounded down to the second). */
  positionAt(epochMs: number): IssPosition {
    const seconds = Math.floor(epochMs / 1000);
    const point = propagatePosition(this.satrec, new Date(seconds * 1000));
    if (!point)
      throw new Error(`SGP4 could not propagate the TLE (epoch ${tleEpoch(this.current).toISOString()})`);
    return { ...point, timestamp: seconds, source: 'sgp4' };
  }
}

/** The SGP4 propagator as the last, offline {@link IssSource}: it answers at once, without network. */
export function createOrbitSource(propagator: OrbitPropagator, now: () => number = Date.now): IssSource {
  return { name: 'sgp4', fetch: async () => propagator.positionAt(now()) };
}
