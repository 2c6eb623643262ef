// Placeholder until the function is built; replaced by its issue's implementation.
export const handler = async (): Promise<{ ok: boolean }> => ({ ok: true });
