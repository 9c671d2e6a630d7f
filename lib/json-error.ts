/**
 * V8 quotes the bad input in its message, whole or cut short around the error (`Unexpected token
 * 'A', "{"plate": ABC1..." is not valid JSON`, `Unexpected token 'P', ..."avelerId":P1234"... is not
 * valid JSON`); that snippet may hold a plate, a document number or a token, which must not reach logs.
 */
export function jsonErrorWithoutInput(message: string): string {
  return message.replace(/, (?:\.\.\.)?".*$/s, '');
}
