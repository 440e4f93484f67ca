import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/errors.js';
import { decodeUtf8, normaliseImdbId, parseCsv, parseOptionalTmdbId, readCsvTable, yearFromTitle } from '../src/recsys/data/csv.js';

const rows = (text: string) => [...parseCsv(text, 'x.csv')];

describe('parseCsv (RFC 4180)', () => {
  it('splits plain records with LF or CRLF endings', () => {
    expect(rows('a,b\n1,2\n')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ]);
    expect(rows('a,b\r\n1,2\r\n')).toEqual(rows('a,b\n1,2\n'));
  });

  it('reads quoted fields with commas, doubled quotes and embedded newlines', () => {
    const text = 'id,title\r\n11,"American President, The (1995)"\r\n7789,"11\'09""01"\r\n5,"two\r\nlines"\r\n6,after\r\n';
    expect(rows(text)).toEqual([
      { fields: ['id', 'title'], line: 1 },
      { fields: ['11', 'American President, The (1995)'], line: 2 },
      { fields: ['7789', `11'09"01`], line: 3 },
      { fields: ['5', 'two\r\nlines'], line: 4 },
      { fields: ['6', 'after'], line: 6 },
    ]);
  });

  it('keeps empty fields, a last line without newline, and skips blank lines', () => {
    expect(rows('a,,c\n\n,\n"",x')).toEqual([
      { fields: ['a', '', 'c'], line: 1 },
      { fields: ['', ''], line: 3 },
      { fields: ['', 'x'], line: 4 },
    ]);
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(rows('\uFEFFmovieId,title\n')[0].fields).toEqual(['movieId', 'title']);
  });

  it('rejects an unterminated quote and text after a closing quote, with the line', () => {
    expect(() => rows('a,b\n1,"open\n2,3\n')).toThrow(/x\.csv:2: unterminated quoted field/);
    expect(() => rows('a,b\n1,"x"y\n')).toThrow(/x\.csv:2: unexpected character after a closing quote/);
  });
});

describe('readCsvTable', () => {
  it('maps columns by header name and checks the field count of each record', () => {
    const table = readCsvTable('movieId,title\n1,A\n2,B,extra\n', 'm.csv', ['movieId']);
    expect(table.column('title')).toBe(1);
    expect(table.column('nope')).toBe(-1);
    const iterator = table.rows[Symbol.iterator]();
    expect(iterator.next().value).toEqual({ fields: ['1', 'A'], line: 2 });
    expect(() => iterator.next()).toThrow(/m\.csv:3: expected 2 fields, found 3/);
  });

  it('reports a missing header on line 1', () => {
    expect(() => readCsvTable('1,Toy Story (1995),Comedy\n', 'movies.csv', ['movieId', 'title'])).toThrow(/movies\.csv:1: missing header/);
    expect(() => readCsvTable('', 'movies.csv', ['movieId'])).toThrow(/movies\.csv: missing header.*empty file/);
  });
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and reports the line of an invalid byte sequence', () => {
    expect(decodeUtf8(Buffer.from('Misérables\n', 'utf8'), 'f.csv')).toBe('Misérables\n');
    const bad = Buffer.concat([Buffer.from('a\nb\nMis'), Buffer.from([0xe9]), Buffer.from('rables\n')]);
    const error = (() => {
      try {
        decodeUtf8(bad, 'f.csv');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as DataFormatError).line).toBe(3);
    expect((error as DataFormatError).message).toBe('f.csv:3: invalid UTF-8 byte sequence');
  });
});

describe('field helpers', () => {
  it('parses the year from MovieLens titles', () => {
    expect(yearFromTitle('Toy Story (1995)')).toBe(1995);
    expect(yearFromTitle('Babylon 5')).toBeNull();
    expect(yearFromTitle('Death Note: Desu nôto (2006–2007)')).toBe(2006);
    expect(yearFromTitle('Hamlet (1996) ')).toBe(1996);
  });

  it('normalises IMDb and TMDB ids', () => {
    expect(normaliseImdbId('0114709', 'l.csv', 2)).toBe('tt0114709');
    expect(normaliseImdbId('114709', 'l.csv', 2)).toBe('tt0114709');
    expect(normaliseImdbId('tt10872600', 'l.csv', 2)).toBe('tt10872600');
    expect(normaliseImdbId('', 'l.csv', 2)).toBeUndefined();
    expect(() => normaliseImdbId('abc', 'l.csv', 7)).toThrow(/l\.csv:7: IMDb id "abc"/);
    expect(parseOptionalTmdbId('862', 'l.csv', 2)).toBe(862);
    expect(parseOptionalTmdbId('862.0', 'l.csv', 2)).toBe(862);
    expect(parseOptionalTmdbId('', 'l.csv', 2)).toBeUndefined();
    expect(() => parseOptionalTmdbId('86.5', 'l.csv', 4)).toThrow(/l\.csv:4: TMDB id "86\.5"/);
  });
});
