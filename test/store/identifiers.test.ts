import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEVELOPMENT_IDENTIFIER_KEY,
  createCachingHasher,
  createIdentifierHasher,
  resolveIdentifierKey,
} from '../../store/identifiers.ts';

const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const hasher = createIdentifierHasher(key);

describe('identifier hashing', () => {
  it('is HMAC-SHA256 over the kind and the normalised value, base64url', () => {
    const expected = createHmac('sha256', key).update('vehicle\u0000CA\u00007ABC123').digest('base64url');
    expect(hasher.vehicleKey('7abc-123', 'CA')).toBe(expected);
    expect(hasher.vinKey('1HGCM82633A004352')).toBe(createHmac('sha256', key).update('vin\u00001HGCM82633A004352').digest('base64url'));
    expect(hasher.travelerKey('p 123-456')).toBe(createHmac('sha256', key).update('traveler\u0000P123456').digest('base64url'));
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes one plate read in different ways the same, and keeps jurisdictions and kinds apart', () => {
    const plate = hasher.vehicleKey('7ABC123', 'CA');
    expect(hasher.vehicleKey('7abc 123', 'CA')).toBe(plate);
    expect(hasher.vehicleKey('7ABC-123', 'ca')).toBe(plate);
    expect(hasher.vehicleKey('7ABC123', 'AZ')).not.toBe(plate);
    expect(hasher.travelerKey('7ABC123')).not.toBe(hasher.vinKey('7ABC123'));
    expect(createIdentifierHasher(Buffer.alloc(32, 1)).vehicleKey('7ABC123', 'CA')).not.toBe(plate);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => createIdentifierHasher(Buffer.alloc(16))).toThrow('identifier key has 16 bytes; at least 32 are required');
  });

  it('caches without changing any hash', () => {
    const cached = createCachingHasher(hasher, 2);
    for (let round = 0; round < 2; round++) {
      for (const plate of ['A1', 'B2', 'C3']) expect(cached.vehicleKey(plate, 'TX')).toBe(hasher.vehicleKey(plate, 'TX'));
      expect(cached.travelerKey('X9')).toBe(hasher.travelerKey('X9'));
      expect(cached.vinKey('1HGCM82633A004352')).toBe(hasher.vinKey('1HGCM82633A004352'));
    }
    // The same characters as a plate and as a traveler id are cached apart.
    expect(cached.travelerKey('A1')).toBe(hasher.travelerKey('A1'));
  });
});

describe('resolveIdentifierKey', () => {
  const hex = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

  it('reads hex and base64 keys of at least 32 bytes', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(resolveIdentifierKey({ REFERRAL_ID_KEY: hex }, warn).toString('hex')).toBe(hex);
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    expect(resolveIdentifierKey({ REFERRAL_ID_KEY: base64, NODE_ENV: 'production' }, warn).toString('hex')).toBe(hex);
    const base64url = Buffer.alloc(40, 0xfb).toString('base64url');
    expect(resolveIdentifierKey({ REFERRAL_ID_KEY: base64url }, warn)).toEqual(Buffer.alloc(40, 0xfb));
    expect(warnings).toEqual([]);
  });

  it('refuses short or malformed keys, naming the variable and the accepted format', () => {
    const warn = () => {};
    expect(() => resolveIdentifierKey({ REFERRAL_ID_KEY: 'abcd' }, warn)).toThrow(
      /REFERRAL_ID_KEY decodes to 2 bytes, too short: REFERRAL_ID_KEY must hold at least 32 random bytes written as hex/,
    );
    expect(() => resolveIdentifierKey({ REFERRAL_ID_KEY: 'not a key!' }, warn)).toThrow(/REFERRAL_ID_KEY is not valid: .*openssl rand -hex 32/);
  });

  it('falls back to the development key with a warning outside production', () => {
    const warnings: string[] = [];
    const resolved = resolveIdentifierKey({ NODE_ENV: 'development' }, (m) => warnings.push(m));
    expect(resolved).toBe(DEVELOPMENT_IDENTIFIER_KEY);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^REFERRAL_ID_KEY is not set: .*development key/);
    expect(resolveIdentifierKey({ REFERRAL_ID_KEY: '  ' }, () => {})).toBe(DEVELOPMENT_IDENTIFIER_KEY);
  });

  it('refuses the development key in production, unset or given explicitly', () => {
    expect(() => resolveIdentifierKey({ NODE_ENV: 'production' }, () => {})).toThrow(
      /REFERRAL_ID_KEY is not set and NODE_ENV=production: refusing the development identifier key/,
    );
    expect(() =>
      resolveIdentifierKey({ NODE_ENV: 'production', REFERRAL_ID_KEY: DEVELOPMENT_IDENTIFIER_KEY.toString('hex') }, () => {}),
    ).toThrow(/is the public development key and NODE_ENV=production/);
  });
});
