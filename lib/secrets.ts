/**
 * Secrets (Redis AUTH token, Kafka SASL/SCRAM credentials) read from AWS Secrets Manager with the
 * Powertools Parameters utility, which caches each value per container for {@link SECRET_MAX_AGE_SECONDS}
 * and does not cache a failed read. It is imported on first use: local runs, which set no secret
 * ARN, never load it or the AWS SDK it calls (the Lambda runtime's).
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/
 */
import { z } from 'zod';

/** A function that returns a secret's string value; injectable for tests. */
export type SecretReader = (secretId: string) => Promise<string>;

/** Seconds a secret's value is reused before Secrets Manager is asked again (so a rotated one is picked up). */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Reads a secret's SecretString from Secrets Manager (cached per container for {@link SECRET_MAX_AGE_SECONDS}). */
export const readSecretString: SecretReader = async (secretId) => {
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const value = await getSecret(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'string') throw new Error(`secret ${secretId} has no SecretString`);
  return value;
};

const usernamePassword = z.object({ username: z.string().min(1), password: z.string().min(1) });

/** SCRAM credentials as MSK stores them: a JSON secret with `username` and `password`. */
export async function readUsernamePassword(
  secretId: string,
  read: SecretReader = readSecretString,
): Promise<z.infer<typeof usernamePassword>> {
  const parsed = usernamePassword.safeParse(JSON.parse(await read(secretId)));
  if (!parsed.success) throw new Error(`secret ${secretId} must be JSON with "username" and "password"`);
  return parsed.data;
}

/** A password secret: either a plain string or JSON with a `password` (or `token`) field. */
export async function readPassword(secretId: string, read: SecretReader = readSecretString): Promise<string> {
  const raw = await read(secretId);
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const password = record.password ?? record.token;
      if (typeof password === 'string' && password.length > 0) return password;
    }
  } catch {
    // not JSON: the whole string is the password
  }
  return raw;
}
