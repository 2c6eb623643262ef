/**
 * Secrets (Redis AUTH token, Kafka SASL/SCRAM credentials) read from AWS Secrets Manager once per
 * container and cached. The client comes from the Lambda runtime's AWS SDK, so it is imported
 * lazily: local runs, which never set a secret ARN, never load it.
 */
import { z } from 'zod';

const cache = new Map<string, Promise<string>>();

/** A function that returns a secret's string value; injectable for tests. */
export type SecretReader = (secretId: string) => Promise<string>;

/** Reads a secret's SecretString from Secrets Manager (cached per container). */
export const readSecretString: SecretReader = (secretId) => {
  let pending = cache.get(secretId);
  if (!pending) {
    pending = (async () => {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
      if (!out.SecretString) throw new Error(`secret ${secretId} has no SecretString`);
      return out.SecretString;
    })();
    // A failed read is not cached: the next invocation tries again.
    pending.catch(() => cache.delete(secretId));
    cache.set(secretId, pending);
  }
  return pending;
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

/** Test hook: forget cached values. */
export function clearSecretCache(): void {
  cache.clear();
}
