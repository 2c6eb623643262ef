/**
 * Window arithmetic: tumbling windows of `windowSeconds` and slide buckets of `slideSeconds`,
 * aligned on the epoch, all in epoch milliseconds. Pure functions.
 */

/** What the counter and the readers must agree on about windows. */
export interface WindowSettings {
  /** Prefix of every Redis key (`REDIS_KEY_PREFIX`). */
  keyPrefix: string;
  /** Tumbling window length (`WINDOW_SECONDS`, default 60). */
  windowSeconds: number;
  /** Slide bucket length for the sliding view (`SLIDE_SECONDS`, default 10); divides `windowSeconds`. */
  slideSeconds: number;
  /** Watermark = max event time seen - this (`ALLOWED_LATENESS_SECONDS`, default 60). */
  allowedLatenessSeconds: number;
  /** How long a window's state is kept once the watermark has passed its end (`RETENTION_SECONDS`). */
  retentionSeconds: number;
}

/** What {@link windowSettingsFrom} reads: the matching part of the loaded configuration (lib/config.ts). */
export interface WindowConfig {
  readonly redis: { readonly keyPrefix: string };
  readonly windows: Omit<WindowSettings, 'keyPrefix'>;
}

/** The window settings of a loaded configuration. */
export function windowSettingsFrom(config: WindowConfig): WindowSettings {
  return {
    keyPrefix: config.redis.keyPrefix,
    windowSeconds: config.windows.windowSeconds,
    slideSeconds: config.windows.slideSeconds,
    allowedLatenessSeconds: config.windows.allowedLatenessSeconds,
    retentionSeconds: config.windows.retentionSeconds,
  };
}

/** Throws a RangeError when the settings cannot describe windows (config.ts checks the same). */
export function assertWindowSettings(settings: WindowSettings): void {
  const { windowSeconds, slideSeconds, allowedLatenessSeconds, retentionSeconds } = settings;
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (!positive(windowSeconds) || !positive(slideSeconds) || !positive(retentionSeconds)) {
    throw new RangeError('windowSeconds, slideSeconds and retentionSeconds must be positive integers');
  }
  if (!Number.isInteger(allowedLatenessSeconds) || allowedLatenessSeconds < 0) {
    throw new RangeError('allowedLatenessSeconds must be a non-negative integer');
  }
  if (windowSeconds % slideSeconds !== 0) throw new RangeError('slideSeconds must divide windowSeconds');
}

/** Start (inclusive, epoch ms) of the interval of `lengthMs` that contains `instantMs`. */
export function alignDown(instantMs: number, lengthMs: number): number {
  return Math.floor(instantMs / lengthMs) * lengthMs;
}

/** Start of the tumbling window containing `instantMs`. */
export function windowStartOf(settings: WindowSettings, instantMs: number): number {
  return alignDown(instantMs, settings.windowSeconds * 1000);
}

/** Start of the slide bucket containing `instantMs`. */
export function bucketStartOf(settings: WindowSettings, instantMs: number): number {
  return alignDown(instantMs, settings.slideSeconds * 1000);
}

/** Watermark semantics: a window is closed (late for new records) once its end is at or before the watermark. */
export function isWindowClosed(windowEndMs: number, watermarkMs: number | null): boolean {
  return watermarkMs !== null && windowEndMs <= watermarkMs;
}
