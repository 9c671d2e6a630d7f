import { createHash, createHmac } from 'node:crypto';
import { normaliseIdentifier } from '../lib/normalise-identifier.ts';

/**
 * Keyed hashing of identifiers. Plates, VINs and document numbers are stored and compared only as
 * HMAC-SHA256(key, kind ‖ normalised value), base64url (43 characters). Without the key a hash
 * cannot be recomputed from a guessed plate, which a plain SHA-256 of a short plate would allow.
 *
 * Each kind has its own prefix (domain separation), so a plate and a document number with the same
 * characters never share a hash. Normalisation makes the same identifier read two ways hash the
 * same: `abc-123`, `ABC 123` and `ABC123` are one plate.
 */
export interface IdentifierHasher {
  vehicleKey(plate: string, jurisdiction: string): string;
  vinKey(vin: string): string;
  travelerKey(travelerId: string): string;
}

/** Minimum key length: 256 bits, the output size of SHA-256 (RFC 2104 §3 recommends at least L bytes). */
export const MIN_KEY_BYTES = 32;

export const IDENTIFIER_KEY_VARIABLE = 'REFERRAL_ID_KEY';

/**
 * The development key: public, in this source file. Hashes made with it protect nothing, so it is
 * refused in production and announced with a warning everywhere else.
 */
export const DEVELOPMENT_IDENTIFIER_KEY: Buffer = createHash('sha256')
  .update('secondary-referral development identifier key; not for real data')
  .digest();

export function createIdentifierHasher(key: Buffer): IdentifierHasher {
  if (key.length < MIN_KEY_BYTES) {
    throw new RangeError(`identifier key has ${key.length} bytes; at least ${MIN_KEY_BYTES} are required`);
  }
  const hmac = (text: string): string => createHmac('sha256', key).update(text, 'utf8').digest('base64url');
  return {
    vehicleKey: (plate, jurisdiction) => hmac(`vehicle\u0000${normaliseCode(jurisdiction)}\u0000${normaliseIdentifier(plate)}`),
    vinKey: (vin) => hmac(`vin\u0000${normaliseIdentifier(vin)}`),
    travelerKey: (travelerId) => hmac(`traveler\u0000${normaliseIdentifier(travelerId)}`),
  };
}

function normaliseCode(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * A hasher that remembers the hashes it has computed (HMAC-SHA256 costs about 2 µs; an import sees
 * the same plates and documents again and again). The raw values stay in this process's memory
 * only, for the life of the returned object; at `maxEntries` the cache is cleared and refilled.
 */
export function createCachingHasher(hasher: IdentifierHasher, maxEntries = 1_000_000): IdentifierHasher {
  const cache = new Map<string, string>();
  const cached = (cacheKey: string, compute: () => string): string => {
    let hash = cache.get(cacheKey);
    if (hash === undefined) {
      if (cache.size >= maxEntries) cache.clear();
      hash = compute();
      cache.set(cacheKey, hash);
    }
    return hash;
  };
  return {
    vehicleKey: (plate, jurisdiction) => cached(`v\u0000${jurisdiction}\u0000${plate}`, () => hasher.vehicleKey(plate, jurisdiction)),
    vinKey: (vin) => cached(`n\u0000${vin}`, () => hasher.vinKey(vin)),
    travelerKey: (travelerId) => cached(`t\u0000${travelerId}`, () => hasher.travelerKey(travelerId)),
  };
}

export type Environment = Readonly<Record<string, string | undefined>>;

const KEY_FORMAT_HELP =
  `${IDENTIFIER_KEY_VARIABLE} must hold at least ${MIN_KEY_BYTES} random bytes written as hex ` +
  `(${MIN_KEY_BYTES * 2} or more hex digits, e.g. \`openssl rand -hex 32\`) or as base64/base64url ` +
  `(e.g. \`openssl rand -base64 32\`)`;

/**
 * The identifier key from the environment.
 * - `REFERRAL_ID_KEY` set: decoded as hex when it is only hex digits, else as base64/base64url;
 *   fewer than 32 bytes or any other character is refused with the accepted format in the message.
 * - unset or empty: the development key, with a warning through `warn`; when NODE_ENV=production
 *   this is refused, as is the development key passed explicitly.
 */
export function resolveIdentifierKey(env: Environment, warn: (message: string) => void): Buffer {
  const production = env.NODE_ENV === 'production';
  const text = env[IDENTIFIER_KEY_VARIABLE]?.trim() ?? '';
  if (text === '') {
    if (production) {
      throw new Error(
        `${IDENTIFIER_KEY_VARIABLE} is not set and NODE_ENV=production: refusing the development identifier key. ${KEY_FORMAT_HELP}.`,
      );
    }
    warn(
      `${IDENTIFIER_KEY_VARIABLE} is not set: plates, VINs and document numbers are hashed with the public development key, ` +
        `which protects nothing. Set ${IDENTIFIER_KEY_VARIABLE} before storing real data (${KEY_FORMAT_HELP}).`,
    );
    return DEVELOPMENT_IDENTIFIER_KEY;
  }
  const key = decodeKey(text);
  if (key === null) throw new Error(`${IDENTIFIER_KEY_VARIABLE} is not valid: ${KEY_FORMAT_HELP}.`);
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`${IDENTIFIER_KEY_VARIABLE} decodes to ${key.length} bytes, too short: ${KEY_FORMAT_HELP}.`);
  }
  if (production && key.equals(DEVELOPMENT_IDENTIFIER_KEY)) {
    throw new Error(`${IDENTIFIER_KEY_VARIABLE} is the public development key and NODE_ENV=production: use a secret key. ${KEY_FORMAT_HELP}.`);
  }
  return key;
}

function decodeKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return null;
}
