/**
 * Invokes a function the way AWS's event source mapping does: a synchronous (RequestResponse)
 * Lambda Invoke call, here against serverless-offline's Invoke API. A `FunctionError` in the
 * response means the function failed, and the batch is retried.
 */
// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (FunctionError, X-Amz-Function-Error)
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** The function threw (or timed out): its error as the Invoke API returned it. */
export class FunctionInvocationError extends Error {
  override name = 'FunctionInvocationError';
  constructor(
    readonly functionName: string,
    readonly functionError: string,
    readonly payload: string,
  ) {
    super(`${functionName} failed (${functionError}): ${summarise(payload)}`);
  }
}

function summarise(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    if (parsed.errorMessage) return `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage}`;
  } catch {
    // not JSON: show it as it is
  }
  return payload.slice(0, 300);
}

export interface LambdaInvoker {
  invoke(functionName: string, event: unknown, signal?: AbortSignal): Promise<void>;
  destroy(): void;
}

/** A Lambda client for a local Invoke API (`endpoint`, e.g. http://127.0.0.1:3002); dummy credentials. */
export function lambdaInvoker(endpoint: string, region: string): LambdaInvoker {
  const client = new LambdaClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The emulator owns the retry policy (whole-batch retry with backoff); no SDK-level retries.
    maxAttempts: 1,
  });
  return {
    async invoke(functionName, event, signal) {
      const response = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
        signal ? { abortSignal: signal } : {},
      );
      if (response.FunctionError) {
        const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
        throw new FunctionInvocationError(functionName, response.FunctionError, payload);
      }
    },
    destroy: () => client.destroy(),
  };
}
