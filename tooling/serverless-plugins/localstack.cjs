'use strict';
/**
 * `serverless deploy --stage localstack`: points every AWS call osls makes at LocalStack.
 *
 * serverless-localstack 1.4 cannot do this with osls 4: it patches `provider.request()` and calls
 * `provider.getCredentials()`, the AWS SDK v2 surface that osls 4 removed (it throws "is no longer
 * available"). osls 4 builds every AWS SDK v3 client from `provider.getAwsSdkV3Config()`, so the
 * same effect is one override: LocalStack's endpoint, path-style S3 (no DNS for
 * `<bucket>.localhost` needed) and LocalStack's test credentials. Other stages are untouched.
 *
 * Endpoint: `custom.localstack.endpoint`, else $LOCALSTACK_ENDPOINT, else http://127.0.0.1:4566.
 */
class LocalstackPlugin {
  constructor(serverless, options) {
    this.hooks = {};
    const stage = options?.stage ?? serverless.service.provider?.stage;
    const settings = serverless.service.custom?.localstack ?? {};
    const stages = settings.stages ?? ['localstack'];
    if (!stages.includes(stage)) return;
    const endpoint = settings.endpoint ?? process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566';
    const provider = serverless.getProvider('aws');
    const original = provider.getAwsSdkV3Config.bind(provider);
    provider.getAwsSdkV3Config = async (clientOptions = {}) => {
      const config = await original({
        ...clientOptions,
        credentials: clientOptions.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      return { ...config, endpoint, forcePathStyle: true };
    };
    this.hooks.initialize = () =>
      serverless.cli.log(`localstack: stage "${stage}" talks to LocalStack at ${endpoint}`);
  }
}

module.exports = LocalstackPlugin;
