/**
 * The topic names of the wire contract (`DESIGN.md`, "Wire contracts") and the dead-letter naming
 * rule. Defaults only: every stage may rename a topic (TWEETS_TOPIC, ISS_TOPIC, DLQ_TOPIC), and
 * serverless.yml spells the same defaults as its parameters.
 */

/** Default topic names: what the Spark-era producers wrote to. */
export const DEFAULT_TOPICS = {
  tweets: 'tweets_topic',
  iss: 'iss-positions',
} as const;

/** The dead-letter topic of `topic` (records the consumer cannot read, with their reason). */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
