import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One entry of `security.encryptionKeys`: the first encrypts, every one decrypts. */
export interface EncryptionKey {
  id: string;
  /** 32 bytes, base64 or hex. */
  key: string;
}

/**
 * How an encrypted payload or result is stored: still a JSON object, so the jsonb columns keep
 * their type, but holding no plaintext. `k` names the key, so old rows stay readable while keys
 * rotate.
 */
export interface SealedValue {
  $encrypted: 'aes-256-gcm';
  k: string;
  iv: string;
  tag: string;
  data: string;
}

/** A payload or result that cannot be decrypted: its key is missing or wrong, or the stored bytes were altered. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

const ALGORITHM = 'aes-256-gcm';

/** Decodes a configured key: 64 hex digits or base64 of 32 bytes (the config schema checked it). */
export function decodeKey(text: string): Buffer | undefined {
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export function isSealed(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { $encrypted?: unknown }).$encrypted === ALGORITHM &&
    typeof (value as { k?: unknown }).k === 'string'
  );
}

/**
 * AES-256-GCM for task payloads and results (Node's crypto). `seal` encrypts JSON text with the
 * first key; `open` decrypts with whichever key the value names, and passes plaintext values
 * through, so tasks stored before encryption was turned on stay readable. The GCM tag makes a
 * wrong key or altered bytes an error, never garbage.
 */
export class PayloadCipher {
  readonly #keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  private constructor(keys: Map<string, Buffer>, currentKeyId: string) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /** The cipher for the configured keys, or undefined when encryption is off (no keys). */
  static from(keys: readonly EncryptionKey[] | undefined): PayloadCipher | undefined {
    if (!keys || keys.length === 0) return undefined;
    const decoded = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      const bytes = decodeKey(key);
      if (!bytes) throw new Error(`security.encryptionKeys: key "${id}" is not 32 bytes in base64 or hex`);
      decoded.set(id, bytes);
    }
    return new PayloadCipher(decoded, keys[0]!.id);
  }

  /** Encrypts JSON text; returns the JSON text of the sealed object. */
  seal(json: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.currentKeyId)!, iv);
    const data = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    const sealed: SealedValue = {
      $encrypted: ALGORITHM,
      k: this.currentKeyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return JSON.stringify(sealed);
  }

  /** The plaintext value of a stored payload or result. Throws DecryptionError when it cannot. */
  open(value: unknown, what = 'value'): unknown {
    if (!isSealed(value)) return value;
    return JSON.parse(this.openText(value, what)) as unknown;
  }

  /** The JSON text a sealed value holds, exactly as it was sealed. */
  openText(value: SealedValue, what = 'value'): string {
    const key = this.#keys.get(value.k);
    if (!key) {
      throw new DecryptionError(
        `the ${what} is encrypted with key "${value.k}", which is not in security.encryptionKeys (${[...this.#keys.keys()].join(', ')})`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(value.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(value.data, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError(
        `the ${what} cannot be decrypted with key "${value.k}": the key is wrong or the stored bytes were altered`,
      );
    }
  }

  /** Whether a stored value still needs `rotate-keys`: plaintext, or sealed with another key than the first. */
  needsRotation(value: unknown): boolean {
    return !isSealed(value) || value.k !== this.currentKeyId;
  }
}

/** Opens a stored value with the cipher, or, when encryption is off, refuses a sealed one clearly. */
export function openStored(cipher: PayloadCipher | undefined, value: unknown, what: string): unknown {
  if (cipher) return cipher.open(value, what);
  if (isSealed(value)) {
    throw new DecryptionError(
      `the ${what} is encrypted (key "${value.k}"), but security.encryptionKeys is not set; configure the key to read it`,
    );
  }
  return value;
}
