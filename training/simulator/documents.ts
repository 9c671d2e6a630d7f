import type { DOCUMENT_TYPES, Lane } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import type { Port } from './ports.ts';

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/**
 * Which document a traveler presents, and which primary lane a vehicle takes.
 *
 * Documents follow citizenship (a US citizen holds a passport, a passport card or an enhanced
 * driver's licence; a Mexican resident a border crossing card, a visa in a passport or a green
 * card), and trusted-traveler members mostly present their SENTRI/NEXUS card. Lanes follow the
 * rules the ports post: the SENTRI or NEXUS lane only when every occupant is a member; a Ready
 * lane only when every occupant holds an RFID-enabled card.
 *
 * Citizenship is an audit attribute, drawn independently of everything else (audit.ts); the
 * document and the lane follow from it here in the same way for every archetype, so neither
 * carries information about smuggling unless `--inject-bias` puts it there.
 */
const BY_CITIZENSHIP: Readonly<Record<string, readonly (readonly [DocumentType, number])[]>> = {
  USA: [
    ['passport', 0.4],
    ['passport_card', 0.35],
    ['enhanced_drivers_license', 0.22],
    ['other', 0.03],
  ],
  MEX: [
    ['border_crossing_card', 0.62],
    ['visa', 0.14],
    ['permanent_resident_card', 0.16],
    ['passport', 0.06],
    ['other', 0.02],
  ],
  CAN: [
    ['passport', 0.62],
    ['enhanced_drivers_license', 0.3],
    ['other', 0.08],
  ],
};
const OTHER_CITIZENSHIP: readonly (readonly [DocumentType, number])[] = [
  ['visa', 0.55],
  ['permanent_resident_card', 0.35],
  ['passport', 0.1],
];

/** Documents that carry an RFID chip and admit the vehicle to a Ready lane. */
const RFID_DOCUMENTS: ReadonlySet<DocumentType> = new Set<DocumentType>([
  'passport_card',
  'enhanced_drivers_license',
  'border_crossing_card',
  'permanent_resident_card',
  'trusted_traveler_card',
]);

/** Share of trusted-traveler members who present the programme card rather than another document. */
const MEMBERS_PRESENTING_CARD = 0.75;

export function drawDocumentType(random: Random, citizenship: string, trustedTraveler: boolean): DocumentType {
  // Draw both numbers always, so membership does not shift the stream.
  const card = random.next() < MEMBERS_PRESENTING_CARD;
  const table = BY_CITIZENSHIP[citizenship] ?? OTHER_CITIZENSHIP;
  let u = random.next();
  let choice: DocumentType = table[table.length - 1]![0];
  for (const [document, share] of table) {
    u -= share;
    if (u < 0) {
      choice = document;
      break;
    }
  }
  return trustedTraveler && card ? 'trusted_traveler_card' : choice;
}

export interface LaneOccupant {
  readonly documentType: DocumentType;
  readonly trustedTraveler: boolean;
}

/** Share of eligible vehicles that actually use the trusted-traveler lane and the Ready lane. */
const TRUSTED_LANE_USE = 0.95;
const READY_LANE_USE = 0.8;

/** The primary lane of an inbound crossing. Outbound crossings have no such lanes: `general`. */
export function chooseInboundLane(random: Random, port: Port, occupants: readonly LaneOccupant[]): Lane {
  const u = random.next();
  if (occupants.every((o) => o.trustedTraveler) && u < TRUSTED_LANE_USE) return port.trustedLane;
  if (occupants.every((o) => RFID_DOCUMENTS.has(o.documentType)) && u < READY_LANE_USE) return 'ready';
  return 'general';
}
