/**
 * An identifier (plate, VIN, document number) as it is compared and hashed: uppercase, without
 * spaces or hyphens, where officers and document readers disagree about the same plate or document
 * (`abc-123`, `ABC 123` and `ABC123` are one plate). The crossing schema uses it to refuse an
 * identifier that is nothing once normalised and a traveler listed twice in one crossing; the keyed
 * hasher (store/identifiers.ts) hashes this form.
 */
export function normaliseIdentifier(value: string): string {
  return value.toUpperCase().replace(/[\s-]+/g, '');
}

/**
 * The index of the first earlier entry each entry repeats once normalised, or -1: `[ 'A1', 'b2',
 * 'a-1' ]` gives `[-1, -1, 0]`.
 */
export function repeatedIdentifiers(values: readonly string[]): number[] {
  const firstIndex = new Map<string, number>();
  return values.map((value, i) => {
    const key = normaliseIdentifier(value);
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) return earlier;
    firstIndex.set(key, i);
    return -1;
  });
}
