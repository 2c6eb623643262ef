/**
 * What a Lambda invocation is given, for tests and benches that call a handler directly: its
 * `Context`, and the documented events (`tests/fixtures`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';

/**
 * A context for `functionName` whose remaining time counts down from `remainingMs`, with a fresh
 * request id (what the Powertools logger puts on every line as `function_request_id`).
 */
export function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The EventBridge scheduled event from the AWS documentation (a fresh copy each call). */
export function scheduledEvent(overrides: Partial<ScheduledEvent> = {}): ScheduledEvent {
  const file = path.join(__dirname, '../fixtures/eventbridge/scheduled-event.json');
  const event = structuredClone(JSON.parse(readFileSync(file, 'utf8')) as ScheduledEvent);
  return { ...event, ...overrides };
}
