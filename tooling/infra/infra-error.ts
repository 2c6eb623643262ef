/** A problem the user has to fix; the message is one line and says how. */
export class InfraError extends Error {
  override name = 'InfraError';
}
