import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelCardSchema, type ModelCard } from '../../models/model-card.ts';
import { distributionLayout, type DistributionLayout } from './distribution-layout.ts';

/**
 * Model cards by version, for the bins drift is measured on. The production model's card is
 * given; any other version a decision names (a shadow or canary model, an earlier production
 * model) is looked up in the models directory the first time it is needed.
 *
 * Synchronous on purpose: the aggregate writer runs inside the decision log's transaction, which
 * cannot wait on a promise. A lookup reads the few card.json files of the registry once; an unknown
 * version is looked for again at most once a minute.
 */
export interface CardCatalog {
  card(version: string): ModelCard | undefined;
  layout(version: string): DistributionLayout | undefined;
}

export interface CardCatalogOptions {
  readonly modelsDir?: string;
  readonly cards?: readonly ModelCard[];
  readonly clock?: () => number;
  readonly retryMs?: number;
}

export function createCardCatalog(options: CardCatalogOptions): CardCatalog {
  const clock = options.clock ?? Date.now;
  const retryMs = options.retryMs ?? 60_000;
  const entries = new Map<string, { card: ModelCard; layout: DistributionLayout }>();
  const missedAt = new Map<string, number>();
  const remember = (card: ModelCard): void => {
    if (!entries.has(card.modelDetails.version)) entries.set(card.modelDetails.version, { card, layout: distributionLayout(card) });
  };
  for (const card of options.cards ?? []) remember(card);

  const scan = (): void => {
    if (options.modelsDir === undefined) return;
    let folders: string[];
    try {
      folders = readdirSync(options.modelsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const folder of folders) {
      try {
        const parsed = modelCardSchema.safeParse(JSON.parse(readFileSync(join(options.modelsDir, folder, 'card.json'), 'utf8')));
        if (parsed.success) remember(parsed.data);
      } catch {
        // No card, or not JSON: not a model folder monitoring can use.
      }
    }
  };

  const entry = (version: string): { card: ModelCard; layout: DistributionLayout } | undefined => {
    const known = entries.get(version);
    if (known !== undefined) return known;
    const missed = missedAt.get(version);
    if (missed !== undefined && clock() - missed < retryMs) return undefined;
    scan();
    const found = entries.get(version);
    if (found === undefined) missedAt.set(version, clock());
    return found;
  };

  return {
    card: (version) => entry(version)?.card,
    layout: (version) => entry(version)?.layout,
  };
}
