'use strict';
/**
 * Adds to the event source mappings compiled from a function's `msk`/`kafka` events the
 * CloudFormation properties osls's event schemas do not expose: MaximumRetryAttempts,
 * BisectBatchOnFunctionError, MaximumRecordAgeInSeconds, ProvisionedPollerConfig, MetricsConfig,
 * and (for `msk`) DestinationConfig. They come from `custom.eventSourceMappings.<function>` as
 * CloudFormation property names and values, and overwrite what osls compiled for the same keys.
 * `{topic}` in a string value is the mapping's own topic, so that one setting serves a function
 * with several mappings (`kafka://{topic}.failed`: each topic's failures to its own topic).
 * A list of property objects is merged in order, later keys winning (the stage's settings, then
 * the latency profile's). The local emulator reads the same settings the same way
 * (tooling/offline-kafka/sources.ts).
 *
 * Kafka error-handling controls (retries, bisect, record age, Kafka-topic destinations) require
 * provisioned mode, which is why the AWS stages set ProvisionedPollerConfig alongside them.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
 */

/** `value` with every `{topic}` in its strings replaced by `topic`. */
function withTopic(value, topic) {
  if (typeof value === 'string') {
    if (value.includes('{topic}') && typeof topic !== 'string') {
      throw new Error(`kafka-trigger: "${value}" names {topic} but the mapping has no single topic`);
    }
    return value.replaceAll('{topic}', topic);
  }
  if (Array.isArray(value)) return value.map((v) => withTopic(v, topic));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTopic(v, topic)]));
  }
  return value;
}

/** One properties object from a list of them (merged in order, shallowly: later keys win). */
function mergedProperties(value) {
  if (!Array.isArray(value)) return value ?? {};
  return Object.assign({}, ...value.filter((v) => v && typeof v === 'object'));
}

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
    for (const [functionName, listed] of Object.entries(extras)) {
      const properties = mergedProperties(listed);
      if (Object.keys(properties).length === 0) continue;
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
      for (const mapping of mappings) {
        const topic = mapping.Properties.Topics?.[0];
        Object.assign(mapping.Properties, withTopic(structuredClone(properties), topic));
      }
    }
  }
}

module.exports = KafkaTriggerPlugin;
module.exports.withTopic = withTopic;
module.exports.mergedProperties = mergedProperties;
