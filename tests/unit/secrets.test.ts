/**
 * Reading secrets through Powertools Parameters: Secrets Manager is played by aws-sdk-client-mock
 * (no AWS account in the unit tier); what is checked is what the functions rely on.
 */
import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { readPassword, readSecretString } from '#lib/secrets.ts';

const secretsManager = mockClient(SecretsManagerClient);
/** A secret id of its own per test: the cache lives as long as the module. */
const freshId = () => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:test/${randomUUID()}`;

beforeEach(() => secretsManager.reset());

describe('readSecretString', () => {
  it('asks Secrets Manager once and answers again from the cache', async () => {
    const id = freshId();
    secretsManager.on(GetSecretValueCommand, { SecretId: id }).resolves({ SecretString: 's3cret' });

    const values = [await readSecretString(id), await readSecretString(id)];

    expect(values).toEqual(['s3cret', 's3cret']);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('does not keep a failed read: the next call asks again', async () => {
    const id = freshId();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: id })
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: 'later' });

    await expect(readSecretString(id)).rejects.toThrow(/throttled/);
    expect(await readSecretString(id)).toBe('later');
  });

  it('refuses a binary secret, naming it', async () => {
    const id = freshId();
    secretsManager.on(GetSecretValueCommand, { SecretId: id }).resolves({ SecretBinary: Buffer.from('x') });

    await expect(readSecretString(id)).rejects.toThrow(`secret ${id} has no SecretString`);
  });
});

describe('readPassword', () => {
  it('takes a plain string, or the password or token field of a JSON secret', async () => {
    const read = async (id: string) =>
      ({ a: 'plain', b: '{"password":"pw"}', c: '{"token":"tk"}' })[id] ?? '';
    expect(await Promise.all(['a', 'b', 'c'].map((id) => readPassword(id, read)))).toEqual([
      'plain',
      'pw',
      'tk',
    ]);
  });
});
