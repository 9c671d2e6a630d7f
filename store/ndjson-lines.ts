import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** One physical line of an NDJSON file, numbered from 1, without its line ending. */
export interface NumberedLine {
  readonly lineNumber: number;
  readonly text: string;
  /** The line was longer than the limit: `text` is empty and the line must be rejected. */
  readonly tooLong?: true;
}

/** A crossing event is well under 8 KiB; a longer line is refused rather than held in memory. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * The lines of a UTF-8 file, in blocks (one array per chunk read) so that a consumer handling
 * 100k lines per second is not paying one promise per line. `\n` and `\r\n` endings both work,
 * and a byte-order mark at the start (as Windows tools write UTF-8) is not part of the first line.
 */
export async function* readLineBlocks(path: string, chunkBytes = 1 << 20, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<NumberedLine[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let skippingLongLine = false;
  let lineNumber = 0;
  let atStart = true;
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
    let text = carry + decoder.write(chunk as Buffer);
    if (atStart && text.length > 0) {
      atStart = false;
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
    }
    const block: NumberedLine[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      if (skippingLongLine) skippingLongLine = false;
      else if (end - start > maxLineChars) block.push({ lineNumber: ++lineNumber, text: '', tooLong: true });
      else block.push({ lineNumber: ++lineNumber, text: stripCarriageReturn(text.slice(start, end)) });
      start = end + 1;
    }
    carry = text.slice(start);
    if (carry.length > maxLineChars) {
      // Report the line now and drop the rest of it as it arrives.
      if (!skippingLongLine) block.push({ lineNumber: ++lineNumber, text: '', tooLong: true });
      skippingLongLine = true;
      carry = '';
    }
    if (block.length > 0) yield block;
  }
  const rest = carry + decoder.end();
  if (rest.length > 0 && !skippingLongLine) yield [{ lineNumber: ++lineNumber, text: stripCarriageReturn(rest) }];
}

const BYTE_ORDER_MARK = 0xfeff;

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
