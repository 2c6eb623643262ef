/**
 * Structured JSON logging (Powertools Logger): one JSON object per line with the service name,
 * the Lambda context when there is one, and whatever batch or request keys the caller appends.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/** One logger per function, created at module scope so it survives warm invocations. */
export function createLogger(serviceName: string, logLevel = process.env.LOG_LEVEL ?? 'INFO'): Logger {
  return new Logger({
    serviceName,
    logLevel: logLevel as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT',
    persistentKeys: { stage: process.env.STAGE ?? 'local' },
  });
}
