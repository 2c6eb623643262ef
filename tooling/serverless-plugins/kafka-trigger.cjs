'use strict';
/**
 * Adds to the event source mappings compiled from a function's `msk`/`kafka` events the
 * CloudFormation properties osls's event schemas do not expose: MaximumRetryAttempts,
 * BisectBatchOnFunctionError, MaximumRecordAgeInSeconds, ProvisionedPollerConfig, MetricsConfig,
 * and (for `msk`) DestinationConfig. They come from `custom.eventSourceMappings.<function>` as
 * CloudFormation property names and values, and overwrite what osls compiled for the same keys.
 *
 * Kafka error-handling controls (retries, bisect, record age, Kafka-topic destinations) require
 * provisioned mode, which is why the AWS stages set ProvisionedPollerConfig alongside them.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
 */

class KafkaTriggerPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.hooks = { 'after:package:compileEvents': () => this.extend() };
  }

  extend() {
    const service = this.serverless.service;
    const extras = service.custom?.eventSourceMappings ?? {};
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    for (const [functionName, properties] of Object.entries(extras)) {
      if (!properties || Object.keys(properties).length === 0) continue;
      service.getFunction(functionName); // throws a clear error for an unknown function
      const functionId = this.provider.naming.getLambdaLogicalId(functionName);
      const mappings = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::Lambda::EventSourceMapping' &&
          JSON.stringify(r.Properties.FunctionName).includes(`"${functionId}"`),
      );
      if (mappings.length === 0) {
        throw new Error(
          `kafka-trigger: custom.eventSourceMappings.${functionName} is set but that function has no msk/kafka event`,
        );
      }
      for (const mapping of mappings) Object.assign(mapping.Properties, properties);
    }
  }
}

module.exports = KafkaTriggerPlugin;
