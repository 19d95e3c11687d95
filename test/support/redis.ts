import { createClient } from 'redis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether a Redis answers at REDIS_URL. CI always has one, so there a missing Redis throws and
 * fails the run instead of skipping tests; elsewhere the reason is printed and they are skipped.
 */
export async function redisAnswers(what: string): Promise<boolean> {
  const probe = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    await probe.quit();
    return true;
  } catch {
    if (process.env.CI) throw new Error(`No Redis at ${REDIS_URL}: ${what} need one in CI`);
    console.log(`Skipping ${what}: no Redis answers at ${REDIS_URL} (set REDIS_URL)`);
    return false;
  }
}
