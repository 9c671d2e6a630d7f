import type { Random } from '../../lib/random.ts';
import type { DocumentType } from './documents.ts';

/**
 * Plates, VINs and document numbers that look like real ones and never collide.
 *
 * Uniqueness: a plate (or document number) is the serial number of its vehicle (traveler) mapped
 * through n -> (n * 1000003 + salt) mod capacity, a bijection on [0, capacity) because 1000003 is
 * a prime that divides no capacity (capacities are products of 10s and 23s). Two vehicles of the
 * same jurisdiction therefore never share a plate while serials stay below the capacity (at least
 * 12 million, New Mexico's LLLDDD). Legitimate vehicles use even serials and smuggling operations odd ones, so adding
 * or changing operations never renumbers a legitimate vehicle.
 */
const MULTIPLIER = 1_000_003;
const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ'; // no I, O, Q: as most US and Mexican plates avoid them
const DIGITS = '0123456789';

/** D = digit, L = letter, anything else is literal. */
const PLATE_FORMATS: Readonly<Record<string, string>> = {
  CA: 'DLLLDDD', // 7ABC123
  AZ: 'LLLDDDD',
  TX: 'LLLDDDD',
  NM: 'LLLDDD',
  NY: 'LLLDDDD',
  MI: 'LLLDDDD',
  WA: 'LLLDDDD',
  'MX-BCN': 'LLLDDDL', // AAA123A, the federal series layout
  'MX-SON': 'LLLDDDL',
  'MX-CHH': 'LLLDDDL',
  'MX-TAM': 'LLLDDDL',
  'MX-NLE': 'LLLDDDL',
  'CA-ON': 'LLLL DDD', // ABCD 123
  'CA-BC': 'LLDDDLL',
};

export function plateFormat(jurisdiction: string): string {
  return PLATE_FORMATS[jurisdiction] ?? 'LLLDDDD';
}

function capacityOf(format: string): number {
  let capacity = 1;
  for (const c of format) capacity *= c === 'D' ? DIGITS.length : c === 'L' ? LETTERS.length : 1;
  return capacity;
}

function render(format: string, index: number): string {
  let out = '';
  let rest = index;
  for (let i = format.length - 1; i >= 0; i--) {
    const c = format[i]!;
    if (c === 'D') {
      out = DIGITS[rest % 10]! + out;
      rest = Math.floor(rest / 10);
    } else if (c === 'L') {
      out = LETTERS[rest % LETTERS.length]! + out;
      rest = Math.floor(rest / LETTERS.length);
    } else {
      out = c + out;
    }
  }
  return out;
}

function permute(serial: number, salt: number, capacity: number): number {
  if (serial >= capacity) throw new RangeError(`serial ${serial} exceeds the identifier space (${capacity})`);
  // (serial * MULTIPLIER) mod capacity without leaving exact integer arithmetic: serial < 2^31.
  return (((serial % capacity) * MULTIPLIER) % capacity + (salt % capacity)) % capacity;
}

/** A plate for the n-th vehicle of a jurisdiction. */
export function plateFor(jurisdiction: string, serial: number, salt: number): string {
  const format = plateFormat(jurisdiction);
  const capacity = capacityOf(format);
  // The jurisdiction enters the salt so that neighbouring states do not issue the same sequence.
  return render(format, permute(serial, salt + jurisdictionSalt(jurisdiction), capacity));
}

function jurisdictionSalt(jurisdiction: string): number {
  let h = 0;
  for (let i = 0; i < jurisdiction.length; i++) h = (Math.imul(h, 31) + jurisdiction.charCodeAt(i)) >>> 0;
  return h;
}

const DOCUMENT_PREFIX: Readonly<Record<DocumentType, string>> = {
  passport: 'P',
  passport_card: 'C',
  enhanced_drivers_license: 'E',
  border_crossing_card: 'B',
  permanent_resident_card: 'R',
  trusted_traveler_card: 'T',
  visa: 'V',
  other: 'X',
};

/** A document number for the n-th traveler: a letter for the kind of document and 9 digits. */
export function travelerIdFor(documentType: DocumentType, serial: number, salt: number): string {
  return DOCUMENT_PREFIX[documentType] + render('DDDDDDDDD', permute(serial, salt, 1_000_000_000));
}

export interface MakeModels {
  readonly make: string;
  /** World manufacturer identifier: the first three characters of the VIN. */
  readonly wmi: string;
  readonly models: readonly string[];
  readonly weight: number;
}

export const MAKES: readonly MakeModels[] = [
  { make: 'Toyota', wmi: '4T1', models: ['Corolla', 'Camry', 'Tacoma', 'Sienna', 'RAV4'], weight: 16 },
  { make: 'Honda', wmi: '1HG', models: ['Civic', 'Accord', 'CR-V', 'Odyssey'], weight: 12 },
  { make: 'Ford', wmi: '1FA', models: ['F-150', 'Escape', 'Explorer', 'Transit'], weight: 13 },
  { make: 'Chevrolet', wmi: '1G1', models: ['Silverado', 'Malibu', 'Equinox', 'Express'], weight: 12 },
  { make: 'Nissan', wmi: '1N4', models: ['Sentra', 'Altima', 'Frontier', 'Versa'], weight: 11 },
  { make: 'Volkswagen', wmi: '3VW', models: ['Jetta', 'Tiguan', 'Golf'], weight: 5 },
  { make: 'Hyundai', wmi: '5NP', models: ['Elantra', 'Tucson', 'Sonata'], weight: 6 },
  { make: 'Kia', wmi: 'KNA', models: ['Forte', 'Sorento', 'Rio'], weight: 5 },
  { make: 'Jeep', wmi: '1C4', models: ['Grand Cherokee', 'Wrangler', 'Cherokee'], weight: 5 },
  { make: 'Dodge', wmi: '2C3', models: ['Grand Caravan', 'Charger', 'Durango'], weight: 5 },
  { make: 'Ram', wmi: '3C6', models: ['1500', 'ProMaster'], weight: 4 },
  { make: 'GMC', wmi: '1GT', models: ['Sierra', 'Savana', 'Yukon'], weight: 4 },
  { make: 'Mazda', wmi: 'JM1', models: ['Mazda3', 'CX-5'], weight: 3 },
];
const MAKES_TOTAL_WEIGHT = MAKES.reduce((sum, m) => sum + m.weight, 0);

export function pickMake(random: Random): MakeModels {
  let u = random.next() * MAKES_TOTAL_WEIGHT;
  for (const m of MAKES) {
    u -= m.weight;
    if (u < 0) return m;
  }
  return MAKES[MAKES.length - 1]!;
}

// VIN (ISO 3779 / 49 CFR 565): WMI, 5 descriptor characters, check digit, model-year code, plant, serial.
const VIN_CHARACTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789'; // 1980 = A ... 2009 = 9, then the cycle repeats
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** A VIN with a valid North American check digit (position 9). */
export function vinFor(random: Random, wmi: string, year: number): string {
  let body = wmi;
  for (let i = 0; i < 5; i++) body += VIN_CHARACTERS[random.int(VIN_CHARACTERS.length)]!;
  body += '0'; // placeholder for the check digit
  body += YEAR_CODES[(((year - 1980) % 30) + 30) % 30]!;
  body += VIN_CHARACTERS[random.int(VIN_CHARACTERS.length)]!;
  for (let i = 0; i < 6; i++) body += DIGITS[random.int(10)]!;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = body[i]!;
    sum += (c >= '0' && c <= '9' ? Number(c) : TRANSLITERATION[c]!) * WEIGHTS[i]!;
  }
  const check = sum % 11 === 10 ? 'X' : String(sum % 11);
  return body.slice(0, 8) + check + body.slice(9);
}
