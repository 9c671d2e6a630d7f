import type { Occupant } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import { injectBias, drawAudit, type BiasInjection } from './audit.ts';
import { drawDocumentType, type DocumentType } from './documents.ts';
import { travelerIdFor } from './identities.ts';

/**
 * A simulated person. The occupant records an event carries are built once and frozen: every
 * crossing of this traveler shares them (treat events as read-only; a write throws).
 */
export interface SimTraveler {
  readonly travelerId: string;
  readonly documentType: DocumentType;
  readonly trustedTraveler: boolean;
  readonly asDriver: Occupant;
  readonly asPassenger: Occupant;
}

/** Which side created a traveler: the two sides number their travelers separately (even and odd serials). */
export type Side = 'legitimate' | 'operations';

export interface TravelerFactory {
  /**
   * A new traveler. `role` only sets the age distribution (drivers are adults); the traveler may
   * later ride in either role.
   */
  create(role: 'driver' | 'passenger', trustedTraveler: boolean): SimTraveler;
}

export interface TravelerFactoryOptions {
  readonly side: Side;
  /** Salt of the document-number permutation (one per seed). */
  readonly salt: number;
  readonly referenceYear: number;
  /** Stream for audit attributes (separate per side). */
  readonly auditRandom: Random;
  /** Stream for documents and other identity draws. */
  readonly identityRandom: Random;
  /** Operations only: the injection and the stream its coin comes from (drawn even when there is no injection). */
  readonly bias?: { readonly injection: BiasInjection | null; readonly random: Random };
}

export function createTravelerFactory(options: TravelerFactoryOptions): TravelerFactory {
  let count = 0;
  const parity = options.side === 'legitimate' ? 0 : 1;
  return {
    create(role, trustedTraveler) {
      const serial = 2 * count++ + parity;
      let drawn = drawAudit(options.auditRandom, role, options.referenceYear);
      if (options.bias) drawn = injectBias(drawn, options.bias.injection, options.bias.random.next());
      const documentType = drawDocumentType(options.identityRandom, drawn.citizenship, trustedTraveler);
      const travelerId = travelerIdFor(documentType, serial, options.salt);
      const occupant = (r: Occupant['role']): Occupant =>
        Object.freeze(
          drawn.audit === undefined
            ? { travelerId, role: r, documentType, trustedTraveler }
            : { travelerId, role: r, documentType, trustedTraveler, audit: Object.freeze(drawn.audit) },
        );
      return { travelerId, documentType, trustedTraveler, asDriver: occupant('driver'), asPassenger: occupant('passenger') };
    },
  };
}
