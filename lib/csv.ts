import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * CSV as RFC 4180 defines it (https://www.rfc-editor.org/rfc/rfc4180): records separated by line
 * breaks, fields by commas; a field containing a comma, a double quote or a line break is enclosed
 * in double quotes, and a double quote inside it is doubled. The first record is the header.
 *
 * Reader, beyond the letter of the RFC (what pandas, Excel and Python's csv module also accept):
 * - line breaks may be CRLF, LF or a lone CR, mixed;
 * - a UTF-8 byte-order mark at the start is dropped (Excel writes one);
 * - a blank line (nothing between two line breaks) is skipped, as pandas does; a record holding one
 *   empty field must be written as `""` to survive, which the writer does;
 * - the last record may lack a final line break.
 * Refused, with the line number: a quote inside an unquoted field (`ab"c`), text after a closing
 * quote (`"ab"c`), a quote left open at the end of the input, and (unless `ragged`) a record whose
 * field count differs from the first record's.
 *
 * The parser is a state machine over text chunks, so a file of any size streams through in constant
 * memory, and a field may span chunks (a quoted field may span lines). Unquoted fields are sliced
 * out of the chunk in one piece, which is what makes a million-row file quick (test/bench/csv.bench.ts).
 */

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  constructor(
    message: string,
    /** 1-based line of the input where the problem is. */
    readonly line: number,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line of the input on which the record starts (a quoted line break makes records span lines). */
  readonly line: number;
}

export interface CsvReadOptions {
  /** Accept records whose field count differs from the first record's. Default false. */
  readonly ragged?: boolean;
  /** Named in error messages, e.g. the file's path. */
  readonly source?: string;
}

export interface CsvParser {
  /** Parses the next piece of text, calling `onRecord` for every record it completes. */
  push(text: string): void;
  /** Ends the input: completes a last record that has no final line break; refuses an open quote. */
  end(): void;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: either the first of a doubled quote or the closing one. */
  QuoteInQuoted,
  /** After a CR that ended a record: a following LF belongs to the same line break. */
  AfterCr,
}

export function createCsvParser(onRecord: (fields: string[], line: number) => void, options: CsvReadOptions = {}): CsvParser {
  const where = options.source === undefined ? '' : `${options.source}: `;
  let state = State.FieldStart;
  let fields: string[] = [];
  /** The current field's text so far, when it spans chunks or holds an unescaped quote. */
  let pending = '';
  let line = 1;
  let recordLine = 1;
  let expectedFields = -1;
  let started = false;

  const endRecord = (lastFieldQuoted: boolean): void => {
    const record = fields;
    fields = [];
    const startLine = recordLine;
    recordLine = line;
    // A blank line: one empty field that was not written as "".
    if (record.length === 1 && record[0] === '' && !lastFieldQuoted) return;
    if (!options.ragged) {
      if (expectedFields === -1) expectedFields = record.length;
      else if (record.length !== expectedFields) {
        throw new CsvFormatError(`${where}line ${startLine}: ${record.length} fields, but the first record has ${expectedFields}`, startLine);
      }
    }
    onRecord(record, startLine);
  };

  const countLineBreaks = (text: string, from: number, to: number): void => {
    let at = text.indexOf('\n', from);
    while (at !== -1 && at < to) {
      line++;
      at = text.indexOf('\n', at + 1);
    }
  };

  return {
    push(text: string): void {
      let i = 0;
      if (!started && text.length > 0) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff) i = 1;
      }
      const n = text.length;
      while (i < n) {
        switch (state) {
          case State.AfterCr: {
            state = State.FieldStart;
            if (text.charCodeAt(i) === LF) i++;
            break;
          }
          case State.FieldStart: {
            if (text.charCodeAt(i) === QUOTE) {
              state = State.Quoted;
              i++;
              break;
            }
            state = State.Unquoted;
            break;
          }
          case State.Unquoted: {
            const start = i;
            let c = 0;
            while (i < n) {
              c = text.charCodeAt(i);
              if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
              i++;
            }
            if (i === n) {
              pending += text.slice(start, i);
              break;
            }
            const value = pending === '' ? text.slice(start, i) : pending + text.slice(start, i);
            pending = '';
            if (c === QUOTE) {
              throw new CsvFormatError(
                `${where}line ${line}: a double quote inside unquoted field ${fields.length + 1}; quote the whole field and double the quote ("")`,
                line,
              );
            }
            fields.push(value);
            i++;
            if (c === COMMA) {
              state = State.FieldStart;
            } else {
              line++;
              endRecord(false);
              state = c === CR ? State.AfterCr : State.FieldStart;
            }
            break;
          }
          case State.Quoted: {
            const close = text.indexOf('"', i);
            const to = close === -1 ? n : close;
            countLineBreaks(text, i, to);
            pending += text.slice(i, to);
            if (close === -1) {
              i = n;
            } else {
              i = close + 1;
              state = State.QuoteInQuoted;
            }
            break;
          }
          case State.QuoteInQuoted: {
            const c = text.charCodeAt(i);
            if (c === QUOTE) {
              pending += '"';
              state = State.Quoted;
              i++;
              break;
            }
            if (c !== COMMA && c !== LF && c !== CR) {
              throw new CsvFormatError(
                `${where}line ${line}: text after the closing quote of field ${fields.length + 1}; a quote inside a quoted field must be doubled ("")`,
                line,
              );
            }
            fields.push(pending);
            pending = '';
            i++;
            if (c === COMMA) {
              state = State.FieldStart;
            } else {
              line++;
              endRecord(true);
              state = c === CR ? State.AfterCr : State.FieldStart;
            }
            break;
          }
        }
      }
    },
    end(): void {
      switch (state) {
        case State.Quoted:
          throw new CsvFormatError(`${where}line ${recordLine}: a quoted field of the record starting here is never closed`, recordLine);
        case State.QuoteInQuoted:
          fields.push(pending);
          pending = '';
          endRecord(true);
          break;
        case State.Unquoted:
          fields.push(pending);
          pending = '';
          endRecord(false);
          break;
        case State.FieldStart:
          // After a comma the record has one more (empty) field; after a line break there is nothing.
          if (fields.length > 0) {
            fields.push('');
            endRecord(false);
          }
          break;
        case State.AfterCr:
          break;
      }
      state = State.FieldStart;
    },
  };
}

/**
 * The records of a CSV byte or text stream, header included, in order.
 * Bytes are decoded as UTF-8; invalid UTF-8 is refused.
 *
 * A hand-written iterator rather than an async generator: records are handed out of a per-chunk
 * batch with one already-resolved promise each, which halves the per-record cost of `for await`.
 * Leaving the loop early (break, throw) closes the source.
 */
export function readCsvRecords(source: AsyncIterable<string | Uint8Array>, options: CsvReadOptions = {}): AsyncIterableIterator<CsvRecord> {
  let batch: CsvRecord[] = [];
  let index = 0;
  let finished = false;
  const parser = createCsvParser((fields, line) => batch.push({ fields, line }), options);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk: string | Uint8Array, stream: boolean): string => {
    if (typeof chunk === 'string') return chunk;
    try {
      return decoder.decode(chunk, { stream });
    } catch {
      const where = options.source === undefined ? '' : `${options.source}: `;
      throw new CsvFormatError(`${where}the input is not valid UTF-8`, 0);
    }
  };
  const chunks = source[Symbol.asyncIterator]();
  const done: IteratorResult<CsvRecord> = { done: true, value: undefined };

  /** Reads chunks until the batch has records or the input ends. */
  const refill = async (): Promise<IteratorResult<CsvRecord>> => {
    batch = [];
    index = 0;
    while (batch.length === 0 && !finished) {
      const next = await chunks.next();
      if (next.done === true) {
        finished = true;
        parser.push(decode(new Uint8Array(0), false));
        parser.end();
      } else {
        parser.push(decode(next.value, true));
      }
    }
    return batch.length === 0 ? done : { done: false, value: batch[index++] as CsvRecord };
  };
  const close = async (): Promise<IteratorResult<CsvRecord>> => {
    if (!finished) {
      finished = true;
      batch = [];
      await chunks.return?.();
    }
    return done;
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next(): Promise<IteratorResult<CsvRecord>> {
      if (index < batch.length) return Promise.resolve({ done: false, value: batch[index++] as CsvRecord });
      if (finished) return Promise.resolve(done);
      return refill().catch(async (error: unknown) => {
        await close();
        throw error;
      });
    },
    return: close,
  };
}

/** The records of a CSV file, header included. */
export function readCsvFile(path: string, options: CsvReadOptions = {}): AsyncIterableIterator<CsvRecord> {
  return readCsvRecords(createReadStream(path, { highWaterMark: 1 << 20 }), { source: path, ...options });
}

/**
 * Where each named column is in a header, refusing a missing one with the columns the file has.
 * The first of duplicated names wins (ProPublica's COMPAS file repeats `decile_score` and `priors_count`).
 */
export function columnIndex(header: readonly string[], name: string, source = 'the CSV'): number {
  const index = header.indexOf(name);
  if (index === -1) {
    const shown = header.length > 20 ? `${header.slice(0, 20).join(', ')}, … (${header.length} columns)` : header.join(', ');
    throw new CsvFormatError(`${source} has no column '${name}'; its columns are: ${shown}`, 1);
  }
  return index;
}

export type CsvValue = string | number | bigint | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field as RFC 4180 writes it: quoted only when it holds a comma, a quote or a line break, and
 * then with its quotes doubled. null and undefined are empty; numbers are written by String()
 * (shortest round-trip form; NaN and Infinity as those words).
 */
export function formatCsvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  // A number's or boolean's text never holds a comma, quote or line break.
  if (typeof value !== 'string') return String(value);
  if (!NEEDS_QUOTES.test(value)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}

/** One record, with its line break (CRLF, RFC 4180's, unless told otherwise). */
export function formatCsvRecord(values: readonly CsvValue[], lineBreak: '\r\n' | '\n' = '\r\n'): string {
  // A record of one empty field would read back as a blank line, which readers skip: quote it.
  if (values.length === 1 && (values[0] === '' || values[0] === null || values[0] === undefined)) return `""${lineBreak}`;
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += formatCsvField(values[i]);
  }
  return out + lineBreak;
}

export interface CsvWriterOptions {
  /** Written first; every later record must have as many fields. */
  readonly header?: readonly string[];
  /** CRLF by default (RFC 4180); '\n' for Unix tools. pandas, Excel and XGBoost read both. */
  readonly lineBreak?: '\r\n' | '\n';
  /** Characters buffered before a write to the sink. */
  readonly bufferSize?: number;
}

export interface CsvWriter {
  /** Buffers one record; resolves at once unless the buffer was handed to a sink that asked to wait (backpressure). */
  write(values: readonly CsvValue[]): Promise<void>;
  /** Flushes, ends the sink and waits until it has finished. */
  end(): Promise<void>;
}

/** A buffered, backpressure-aware CSV writer over a Node stream (a file, an HTTP reply). */
export function createCsvWriter(sink: Writable, options: CsvWriterOptions = {}): CsvWriter {
  const lineBreak = options.lineBreak ?? '\r\n';
  const bufferSize = options.bufferSize ?? 1 << 16;
  const width = options.header?.length;
  let buffer = options.header === undefined ? '' : formatCsvRecord(options.header, lineBreak);
  let records = 0;
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!sink.write(chunk)) await once(sink, 'drain');
  };
  return {
    async write(values) {
      records++;
      if (width !== undefined && values.length !== width) {
        throw new RangeError(`CSV record ${records} has ${values.length} fields, the header has ${width}`);
      }
      buffer += formatCsvRecord(values, lineBreak);
      if (buffer.length >= bufferSize) await flush();
    },
    async end() {
      await flush();
      const finished = once(sink, 'finish');
      sink.end();
      await finished;
    },
  };
}
