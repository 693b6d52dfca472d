/** Generated benchmark inputs: a ~5 MB import CSV, 50,000 stored objects, a ~50 MB ZIP of WAV files. */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { StoredObject } from '../db/bulk/config-chunks';
import { findObjectType, type ObjectTypeId, type ObjectTypeSpec } from '../domain/bulk/catalog';
import { resolveHeaders, templateHeader } from '../domain/bulk/headers';
import { type ConfigData, parseRow } from '../domain/bulk/rows';

/** CSV text from a header and rows (cells quoted when needed), CRLF line ends like spreadsheet exports. */
function csv(header: string[], rows: string[][], eol = '\r\n'): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [header, ...rows].map((row) => row.map(cell).join(',')).join(eol) + eol;
}

export function spec(id: ObjectTypeId): ObjectTypeSpec {
  const found = findObjectType(id);
  if (!found) throw new Error(`unknown object type ${id}`);
  return found;
}

/** Deterministic filler prose (xorshift word picks), so every benchmark run uploads the same bytes. */
function prose(length: number, seed: number): string {
  const words = ['queue', 'agent', 'layout', 'widget', 'header', 'panel', 'routing', 'skill', 'desktop', 'flow'];
  let state = seed * 2654435761 + 1;
  let text = '';
  while (text.length < length) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += `${words[Math.abs(state) % words.length]} `;
  }
  return text.slice(0, length).replace(/ $/, 'x');
}

export interface ParsedRow {
  key: string;
  data: ConfigData;
}

/** Parses cells exactly as the importer does (header resolution, then the catalog's parseRow); throws on a bad row. */
export function parseRows(type: ObjectTypeSpec, header: string[], rows: string[][]): ParsedRow[] {
  const resolution = resolveHeaders(type, header);
  if (!resolution.ok) throw new Error(resolution.problems.join('; '));
  return rows.map((cells, index) => {
    const parsed = parseRow(type, resolution.columns, cells);
    if (!parsed.ok) throw new Error(`generated row ${index + 1} is invalid: ${parsed.error}`);
    return { key: parsed.key, data: parsed.data };
  });
}

export interface ImportFile {
  objectType: ObjectTypeId;
  text: string;
  bytes: number;
  header: string[];
  rows: string[][];
}

/**
 * A desktop-layouts CSV of `count` rows filling `maxBytes` as closely as possible without exceeding it. This type is
 * the widest in the catalog: Name, Description and JSON File Name (≤ 255 chars each) plus the Layout JSON document,
 * which takes the padding (entry-points rows top out near 650 bytes, too narrow for 5000 rows ≈ 5 MB).
 */
export function importCsv(count: number, maxBytes: number): ImportFile {
  const type = spec('desktop-layouts');
  const header = templateHeader(type); // Name, Description, JSON File Name, Layout JSON, Global
  const rowOf = (i: number, padding: number): string[] => {
    const id = String(i + 1).padStart(5, '0');
    return [
      `Bench layout ${id}`,
      prose(255, i + 1),
      `bench-layout-${id}.json`,
      JSON.stringify({ version: '0.0.6', appTitle: `Bench ${id}`, notes: prose(padding, 100000 + i) }),
      i % 2 === 0 ? 'no' : 'yes',
    ];
  };
  const bytesOf = (rows: string[][]) => Buffer.byteLength(csv(header, rows));
  // Padding characters are plain ASCII letters inside a JSON string: each adds exactly one byte to the CSV.
  const base = bytesOf(Array.from({ length: count }, (_, i) => rowOf(i, 0)));
  const spare = maxBytes - base;
  if (spare < 0) throw new Error(`${count} rows need at least ${base} bytes`);
  const each = Math.floor(spare / count);
  const extra = spare - each * count;
  const rows = Array.from({ length: count }, (_, i) => rowOf(i, each + (i < extra ? 1 : 0)));
  const text = csv(header, rows);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) throw new Error(`generated CSV is ${bytes} bytes, above ${maxBytes}`);
  return { objectType: type.id, text, bytes, header, rows };
}

/** `count` valid entry points as stored objects (db/bulk/config-chunks.ts), parsed through the catalog. */
export function entryPointObjects(count: number): StoredObject[] {
  const type = spec('entry-points');
  const header = templateHeader(type); // Name, Description, SLT, Timezone, Channel Type, Social Channel Type, Asset
  const zones = ['America/New_York', 'Europe/London', 'Asia/Singapore', 'Australia/Sydney', 'America/Chicago'];
  const channels = ['TELEPHONY', 'CHAT', 'EMAIL', 'SOCIAL_CHANNEL'];
  const rows = Array.from({ length: count }, (_, i) => {
    const channel = channels[i % channels.length] ?? 'TELEPHONY';
    return [
      `EP ${String(i + 1).padStart(6, '0')}`,
      prose(120, i + 7),
      String(10 + (i % 50)),
      zones[i % zones.length] ?? 'UTC',
      channel,
      channel === 'SOCIAL_CHANNEL' ? 'WHATSAPP' : '',
      channel === 'TELEPHONY' ? '' : `Asset ${i + 1}`,
    ];
  });
  const now = new Date().toISOString();
  return parseRows(type, header, rows).map((row) => ({
    key: row.key,
    data: row.data,
    version: 1,
    lastOperationId: 'bench-seed',
    createdAt: now,
    updatedAt: now,
  }));
}

/** A canonical 44-byte PCM WAV header (16 kHz, 16-bit, mono) for `dataBytes` of samples. */
function wavHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(16000, 24); // sample rate
  header.writeUInt32LE(32000, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * Writes a deflated ZIP of `files` WAV files of `fileBytes` bytes each (random PCM noise: incompressible, so the
 * archive is as large as its content), spread over nested folders. Returns the archive size.
 */
export async function writeWavZip(
  target: string,
  files: number,
  fileBytes: number,
): Promise<{ bytes: number; names: string[] }> {
  const folders = ['prompts/en', 'prompts/es', 'prompts/fr', 'queues/hold', 'ivr/main/menu'];
  const zip = new ZipFile();
  const names: string[] = [];
  for (let i = 0; i < files; i += 1) {
    const name = `${folders[i % folders.length]}/bench-prompt-${String(i + 1).padStart(3, '0')}.wav`;
    names.push(name);
    zip.addBuffer(Buffer.concat([wavHeader(fileBytes - 44), randomBytes(fileBytes - 44)]), name);
  }
  zip.end();
  let bytes = 0;
  zip.outputStream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(zip.outputStream, createWriteStream(target));
  return { bytes, names };
}
