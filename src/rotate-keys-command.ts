import { ConfigError, loadConfig } from './config/load-config.js';
import { openDatabase } from './db/database.js';
import { PayloadCipher } from './db/payload-cipher.js';
import { rotateKeys } from './db/rotate-keys.js';
import { createLogger } from './logger.js';

const BATCH_SIZE = 500;

/**
 * `pgtask rotate-keys [config flags]`: re-encrypts every payload and result with the first of
 * security.encryptionKeys (plaintext ones too), in batches, while the service may keep running.
 * Afterwards the older keys can be removed from the config.
 */
export async function runRotateKeys(argv: readonly string[]): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ argv });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const cipher = PayloadCipher.from(config.security.encryptionKeys);
  if (!cipher) {
    process.stderr.write('rotate-keys: security.encryptionKeys is empty; nothing to encrypt with\n');
    return 2;
  }
  const log = createLogger({ level: config.log.level });
  const database = await openDatabase(config, log);
  try {
    const done = await rotateKeys(database.pool, cipher, {
      batchSize: BATCH_SIZE,
      onBatch: (progress) => log.info(progress, 'rotate-keys: batch re-encrypted'),
    });
    process.stdout.write(
      `rotate-keys: ${done.payloads} payloads and ${done.results} results re-encrypted with key "${cipher.currentKeyId}" in ${done.batches} batches\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
