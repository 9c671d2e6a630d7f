import { mkdtempSync, createWriteStream, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import {
  columnIndex,
  createCsvParser,
  createCsvWriter,
  CsvFormatError,
  formatCsvField,
  formatCsvRecord,
  readCsvFile,
  readCsvRecords,
  type CsvRecord,
  type CsvValue,
} from '../../lib/csv.ts';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'csv-test-'));
  tempDirs.push(dir);
  return dir;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

async function readAll(...parts: (string | Uint8Array)[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(chunks(...parts), { ragged: true })) out.push(r);
  return out;
}

function parseText(text: string, ragged = true): string[][] {
  const out: string[][] = [];
  const parser = createCsvParser((fields) => out.push(fields), { ragged });
  parser.push(text);
  parser.end();
  return out;
}

const NASTY =
  'id,text,note\r\n' +
  '1,"a, b","say ""hi"""\r\n' +
  '2,"line one\r\nline two",\r\n' +
  '3,"",plain\r\n' +
  '4,"lf only\nhere","trailing space "\r\n' +
  '5,é😀,"""quoted"""';

describe('CSV reader (RFC 4180)', () => {
  it('reads quotes, embedded commas, quotes and line breaks, CRLF, empty fields, no final newline', () => {
    expect(parseText(NASTY)).toEqual([
      ['id', 'text', 'note'],
      ['1', 'a, b', 'say "hi"'],
      ['2', 'line one\r\nline two', ''],
      ['3', '', 'plain'],
      ['4', 'lf only\nhere', 'trailing space '],
      ['5', 'é😀', '"quoted"'],
    ]);
  });

  it('gives the same records however the input is split into chunks', async () => {
    const whole = parseText(NASTY);
    for (let cut = 0; cut <= NASTY.length; cut++) {
      const records = await readAll(NASTY.slice(0, cut), NASTY.slice(cut));
      expect(records.map((r) => r.fields), `cut at ${cut}`).toEqual(whole);
    }
    const oneByOne = await readAll(...Array.from(NASTY));
    expect(oneByOne.map((r) => r.fields)).toEqual(whole);
  });

  it('decodes UTF-8 split across byte chunks, and refuses invalid UTF-8', async () => {
    const bytes = new TextEncoder().encode('a,b\né,😀\n');
    const records = await readAll(...Array.from(bytes, (b) => Uint8Array.of(b)));
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['é', '😀'],
    ]);
    await expect(readAll(Uint8Array.of(0x61, 0x2c, 0xff, 0x0a))).rejects.toThrow('the input is not valid UTF-8');
  });

  it('numbers records by the line they start on', async () => {
    const records = await readAll(NASTY);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 5, 6, 8]);
  });

  it('drops a BOM, skips blank lines, keeps a quoted empty record, accepts LF and lone CR', () => {
    expect(parseText('\uFEFFa,b\n\n1,2\n\r\n3,4\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseText('x\n""\ny\n')).toEqual([['x'], [''], ['y']]);
    expect(parseText('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseText('a,b,\n1,,')).toEqual([
      ['a', 'b', ''],
      ['1', '', ''],
    ]);
  });

  it('refuses malformed input with the line number', () => {
    expect(() => parseText('a,b\n1,x"y\n')).toThrow('line 2: a double quote inside unquoted field 2');
    expect(() => parseText('a,b\n"1"x,2\n')).toThrow('line 2: text after the closing quote of field 1');
    expect(() => parseText('a,b\n1,2\n"open,3\n4,5\n')).toThrow('line 3: a quoted field of the record starting here is never closed');
    expect(() => parseText('a,b\n1,2\n3\n', false)).toThrow('line 3: 1 fields, but the first record has 2');
    const caught = ((): unknown => {
      try {
        parseText('a\n\n\n"x"y');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(caught).toBeInstanceOf(CsvFormatError);
    expect((caught as CsvFormatError).line).toBe(4);
  });

  it('names a missing column and the columns there are', () => {
    expect(columnIndex(['id', 'label', 'id'], 'id')).toBe(0);
    expect(() => columnIndex(['id', 'label'], 'score', 'data.csv')).toThrow("data.csv has no column 'score'; its columns are: id, label");
  });
});

describe('CSV writer', () => {
  it('quotes only what needs quoting and doubles quotes', () => {
    expect(formatCsvField('plain')).toBe('plain');
    expect(formatCsvField('a,b')).toBe('"a,b"');
    expect(formatCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvField('two\nlines')).toBe('"two\nlines"');
    expect(formatCsvField('cr\r')).toBe('"cr\r"');
    expect(formatCsvField(' padded ')).toBe(' padded ');
    expect(formatCsvField(null)).toBe('');
    expect(formatCsvField(0.1)).toBe('0.1');
    expect(formatCsvField(true)).toBe('true');
    expect(formatCsvRecord(['a', 1, null])).toBe('a,1,\r\n');
    expect(formatCsvRecord([''], '\n')).toBe('""\n');
  });

  it('round-trips random nasty fields through a file', async () => {
    const dir = tempDir();
    const path = join(dir, 'nasty.csv');
    const random = createRandom(12);
    const alphabet = ['a', 'Z', ',', '"', '\n', '\r', '\r\n', ' ', 'é', '😀', '0', '.'];
    const rows: string[][] = Array.from({ length: 400 }, () =>
      Array.from({ length: 4 }, () => Array.from({ length: random.int(6) }, () => random.pick(alphabet)).join('')),
    );
    const writer = createCsvWriter(createWriteStream(path), { header: ['a', 'b', 'c', 'd'], bufferSize: 256 });
    for (const row of rows) await writer.write(row);
    await writer.end();
    const back: string[][] = [];
    for await (const record of readCsvFile(path)) back.push(record.fields);
    expect(back).toEqual([['a', 'b', 'c', 'd'], ...rows]);
  });

  it('refuses a record whose width differs from the header', async () => {
    const dir = tempDir();
    const writer = createCsvWriter(createWriteStream(join(dir, 'x.csv')), { header: ['a', 'b'] });
    await expect(writer.write(['1'] as CsvValue[])).rejects.toThrow('CSV record 1 has 1 fields, the header has 2');
    await writer.end();
  });

  it('writes what pandas-style readers expect: CRLF by default, LF on request', async () => {
    const dir = tempDir();
    const path = join(dir, 'lf.csv');
    const writer = createCsvWriter(createWriteStream(path), { header: ['x', 'y'], lineBreak: '\n' });
    await writer.write([1.5, 'a "b"']);
    await writer.end();
    expect(readFileSync(path, 'utf8')).toBe('x,y\n1.5,"a ""b"""\n');
    writeFileSync(path, 'x,y\r\n1,2\r\n');
    const records: string[][] = [];
    for await (const r of readCsvFile(path)) records.push(r.fields);
    expect(records).toEqual([
      ['x', 'y'],
      ['1', '2'],
    ]);
  });
});
