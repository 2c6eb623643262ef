/**
 * The part of serverless offline's `Lambda` (its `serverless-offline/lambda` entry point, which
 * ships no types) that invoker.ts uses.
 */
declare module 'serverless-offline/lambda' {
  export interface OfflineLambdaFunction {
    setClientContext(clientContext: unknown): void;
    setEvent(event: unknown): void;
    /** Runs the handler in the function's worker thread; rejects with what it threw or on timeout. */
    runHandler(): Promise<unknown>;
    /** Ends the function's worker thread (a later runHandler would start a new one). */
    cleanup(): Promise<void>;
  }

  export default class Lambda {
    constructor(serverless: unknown, options: Record<string, unknown>);
    create(lambdas: ReadonlyArray<{ functionKey: string; functionDefinition: unknown }>): void;
    getByFunctionName(functionName: string): OfflineLambdaFunction;
    listFunctionNames(): string[];
    /** Ends every worker thread of the pool. */
    cleanup(): Promise<void>;
  }
}
