/**
 * `serverless invoke local` runs one invocation per process, and osls does not exit when the
 * command succeeds: the container's open sockets (Redis, Kafka) would keep the process alive.
 */
import type { Context } from 'aws-lambda';

type AsyncHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * `handler` as is, or, when `invokedLocally` (IS_LOCAL, set by `serverless invoke local` only, not
 * by serverless offline), `handler` followed by `close` after every invocation, failed or not.
 */
export function closingAfterLocalInvoke<E, R>(
  invokedLocally: boolean,
  handler: AsyncHandler<E, R>,
  close: () => Promise<unknown>,
): AsyncHandler<E, R> {
  if (!invokedLocally) return handler;
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      await close();
    }
  };
}
