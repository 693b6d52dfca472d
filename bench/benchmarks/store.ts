/**
 * Store candidates (issue #8): the query and write shapes ccflow runs — by `_id`, by tenant + key, a page of 100 after
 * a cursor, a batch lookup of 1000 keys, a batch write of 1000, a count by tenant — against each candidate embedded
 * configuration, on 50,000 documents over 10 tenants. Prints one table: medians in ms, one column per candidate.
 *
 * Candidates (each column names its FerretDB binary):
 * - the statements ccflow ran before the chunked store, one collection (index `{tenantId, key}` as that model
 *   declared), on the STOCK FerretDB 1.24.2 (built for the bench only, bench/store/ferretdb-unpatched.ts) and on the
 *   product's PATCHED build (dev/ferretdb-patches.ts: `_id` equality uses the `_id` index);
 * - the same statements on FerretDB/PostgreSQL 15, and on one collection per tenant (patched binary);
 * - `_id` equality only (documents by `_id` + an ordered key list, patched binary);
 * - ccflow's chunks: the product's layout, driven through db/bulk/config-objects.ts on a mongoose connection
 *   (bench/store/chunks.ts), patched binary — with its chunk cache cleared before each timed read, plus one row with
 *   the cache warm.
 * bench/store/layouts.ts has the driver-level statements of the others.
 *
 * Candidates run one after the other, each on its own fresh server (bench/store/servers.ts), and all of them in
 * prepare(), i.e. before the bench stack starts, so that no Temporal server, API or worker competes for the CPU;
 * run() only hands the figures over. No target: the table is for choosing the embedded store and the hot paths'
 * shapes.
 *
 * Samples: each cell takes at least `--repeat` samples (default 3) and up to 5 × that many, stopping once a shape
 * has run for 10 s, or after one sample when that took over 30 s; every sample uses other keys, cursors or tenants
 * (spread over the collection: FerretDB scans until it has found enough documents).
 */
import { performance } from 'node:perf_hooks';
import { mongo } from 'mongoose';
import { connectDatabase } from '../../db/connection';
import { ensureBinaries } from '../../dev/install';
import { type Benchmark, median, type Options, withDatabase } from '../benchmark';
import { type BenchResult, errorText, log } from '../report';
import { chunkLayout } from '../store/chunks';
import { ensureUnpatchedFerretDb } from '../store/ferretdb-unpatched';
import {
  BATCH,
  keyOf,
  type Layout,
  makeDoc,
  oneCollection,
  PAGE,
  PARALLEL,
  PER_TENANT,
  perTenant,
  pushdown,
  seedDocs,
  type StoreDoc,
  TENANTS,
  tenantId,
} from '../store/layouts';
import { startFerretPostgres, startFerretSqlite, type StoreServer } from '../store/servers';

const TOTAL = TENANTS * PER_TENANT;
const BUDGET_MS = 10_000;
const SLOW_MS = 30_000;

/** A connection to a candidate's server and the layout that runs on it. */
interface Opened {
  layout: Layout;
  close(): Promise<void>;
}

type Binary = 'unpatched' | 'patched';

interface Candidate {
  id: string;
  label: string;
  /** The FerretDB build it runs on: the stock one, or the product's (with dev/ferretdb-patches.ts). */
  binary: Binary;
  start(ferretdb: string): Promise<StoreServer>;
  open(url: string): Promise<Opened>;
}

/** A driver-level layout (bench/store/layouts.ts) on the bare driver. */
function driver(layout: (db: mongo.Db) => Layout): (url: string) => Promise<Opened> {
  return async (url) => {
    const options = { serverSelectionTimeoutMS: 10000, retryWrites: false, maxPoolSize: PARALLEL };
    const client = await mongo.MongoClient.connect(url, options);
    await client.db().command({ ping: 1 });
    return { layout: layout(client.db()), close: () => client.close() };
  };
}

/** The product's store: db/connection.ts's Database (mongoose), its ConfigStore driven by bench/store/chunks.ts. */
async function product(url: string): Promise<Opened> {
  const db = await connectDatabase(url);
  return { layout: chunkLayout(db.config), close: () => db.close() };
}

const CANDIDATES: Candidate[] = [
  {
    id: 'sqlite-unpatched',
    label: 'SQLite UNPATCHED, one collection (old)',
    binary: 'unpatched',
    start: (binary) => startFerretSqlite(binary, 'unpatched'),
    open: driver(oneCollection),
  },
  {
    id: 'sqlite',
    label: 'SQLite patched, one collection',
    binary: 'patched',
    start: (binary) => startFerretSqlite(binary, 'sqlite'),
    open: driver(oneCollection),
  },
  {
    id: 'postgresql',
    label: 'FerretDB/PostgreSQL 15',
    binary: 'patched',
    start: startFerretPostgres,
    open: driver(oneCollection),
  },
  {
    id: 'sqlite-per-tenant',
    label: 'SQLite patched, collection per tenant',
    binary: 'patched',
    start: (binary) => startFerretSqlite(binary, 'per-tenant'),
    open: driver(perTenant),
  },
  {
    id: 'sqlite-pushdown',
    label: 'SQLite patched, `_id` equality only',
    binary: 'patched',
    start: (binary) => startFerretSqlite(binary, 'pushdown'),
    open: driver(pushdown),
  },
  {
    id: 'sqlite-chunks',
    label: 'SQLite patched, ccflow chunks',
    binary: 'patched',
    start: (binary) => startFerretSqlite(binary, 'chunks'),
    open: product,
  },
];

type ShapeId = 'seed' | 'byId' | 'byTenantKey' | 'page' | 'pageWarm' | 'lookup' | 'write' | 'count';

const SHAPES: { id: ShapeId; label: string }[] = [
  { id: 'seed', label: `load ${TOTAL.toLocaleString('en-US')} docs (${TOTAL / BATCH} batches of ${BATCH})` },
  { id: 'byId', label: 'one document by `_id`' },
  { id: 'byTenantKey', label: 'one document by tenant + key' },
  { id: 'page', label: `page of ${PAGE} after a cursor (deep)` },
  { id: 'pageWarm', label: `same page, chunk cache warm` },
  { id: 'lookup', label: `batch lookup of ${BATCH} keys` },
  { id: 'write', label: `batch write of ${BATCH} (${BATCH / 2} new)` },
  { id: 'count', label: 'count by tenant' },
];

/** What each layout runs for each shape (printed under the table). */
const STATEMENTS = [
  'binaries: UNPATCHED = stock FerretDB 1.24.2 (bench/store/ferretdb-unpatched.ts); patched = the product’s build',
  '  (dev/ferretdb-patches.ts: `_id` equality uses the `_id` index); PostgreSQL runs the patched build too (the',
  '  patch only touches the SQLite backend)',
  'one collection / PostgreSQL: findOne({_id}); findOne({tenantId, key}); find({tenantId, _id: {$gt}}).sort({_id})',
  `  .limit(${PAGE}); find({_id: {$in: ${BATCH}}}); deleteMany({_id: {$in: ${BATCH}}}) + insertMany(${BATCH});`,
  '  countDocuments({tenantId}); load: insertMany of 1000',
  'per tenant: the same on the tenant’s collection without tenantId (findOne({key}), countDocuments({}))',
  `_id only: findOne({_id}) for one document and for tenant + key (_id = tenant:key); pages: key-list header + chunk`,
  `  by _id, then ${PAGE} × findOne({_id}); lookups: ${BATCH} × findOne({_id}), ${PARALLEL} in flight; write:`,
  `  deleteMany + insertMany, plus the changed key-list chunks and header by _id; count: the header by _id`,
  'ccflow chunks (db/bulk/config-objects.ts on a mongoose connection; every statement by _id): one object =',
  '  readConfigObject (head + 1 chunk); page = readConfigPage (head + 1–2 chunks); lookup = readConfigSnapshot (head',
  '  + the chunks holding the keys, 8 in flight); write = readConfigSnapshot + planConfigWrite + applyConfigWrite',
  '  (insertMany of the new chunks, head replaceOne, deleteOne per replaced chunk); count = countConfigObjects',
  '  (head); load: writeConfigObjects of 1000; chunk cache cleared before every timed sample except "cache warm"',
  '  (that one reads the same page twice and times the second read)',
];

interface Cell {
  medianMs?: number;
  samplesMs?: number[];
  error?: string;
}

interface CandidateResult {
  id: string;
  label: string;
  binary: Binary;
  /** Whether the layout has a read cache (only then is the warm page measured). */
  cached: boolean;
  cells: Partial<Record<ShapeId, Cell>>;
  error?: string;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** At least `repeat` samples, up to 5 × repeat, stopping when the shape has run for BUDGET_MS; one when it took SLOW_MS. */
async function sample(repeat: number, once: (index: number) => Promise<number>): Promise<Cell> {
  const samplesMs: number[] = [];
  const started = performance.now();
  try {
    while (samplesMs.length < repeat || (samplesMs.length < 5 * repeat && performance.now() - started < BUDGET_MS)) {
      samplesMs.push(await once(samplesMs.length));
      if ((samplesMs[0] ?? 0) > SLOW_MS) break; // one sample of a shape this slow says enough
    }
  } catch (error) {
    return { error: errorText(error), samplesMs };
  }
  return { medianMs: median(samplesMs), samplesMs: samplesMs.map((ms) => Math.round(ms * 10) / 10) };
}

async function timed(action: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await action();
  return performance.now() - t0;
}

/** Loads the documents (timed, once), then restarts FerretDB on them (see measureCandidate). */
async function seed(layout: Layout): Promise<Cell> {
  const docs = seedDocs();
  const ms = await timed(() => layout.seed(docs));
  return { medianMs: ms, samplesMs: [Math.round(ms)] };
}

async function measureShapes(layout: Layout, repeat: number): Promise<Partial<Record<ShapeId, Cell>>> {
  const cells: Partial<Record<ShapeId, Cell>> = {};
  // A layout's read cache is cleared before each sample (not timed): the figures are the store's.
  const cold = () => layout.cache?.clear();

  cells.byId = await sample(repeat, async (i) => {
    const [tenant, key] = [tenantId(i % TENANTS), keyOf((i * 1543 + 17) % PER_TENANT)];
    let found: string | undefined;
    cold();
    const ms = await timed(async () => {
      found = (await layout.byId(tenant, key))?.key;
    });
    check(found === key, `by _id: ${tenant}:${key} not found`);
    return ms;
  });
  cells.byTenantKey = await sample(repeat, async (i) => {
    const [tenant, key] = [tenantId((i + 4) % TENANTS), keyOf((i * 2711 + 911) % PER_TENANT)];
    let found: string | undefined;
    cold();
    const ms = await timed(async () => {
      found = (await layout.byTenantKey(tenant, key))?.key;
    });
    check(found === key, `by tenant + key: ${tenant} ${key} not found`);
    return ms;
  });
  const page = async (i: number, warm: boolean): Promise<number> => {
    const tenant = tenantId((i + 3) % TENANTS);
    const cursor = 2500 + 37 * i;
    const expected = Array.from({ length: PAGE }, (_, n) => keyOf(cursor + 1 + n)).join();
    const read = async (): Promise<number> => {
      let keys: string[] = [];
      const ms = await timed(async () => {
        keys = (await layout.pageAfter(tenant, keyOf(cursor))).map((doc) => doc.key);
      });
      check(keys.join() === expected, `page after ${keyOf(cursor)}: got ${keys.length} keys, not the next ${PAGE}`);
      return ms;
    };
    cold();
    const first = await read();
    return warm ? read() : first; // warm: the first read (checked, not timed) fills the cache
  };
  cells.page = await sample(repeat, (i) => page(i, false));
  if (layout.cache) cells.pageWarm = await sample(repeat, (i) => page(i, true));
  cells.lookup = await sample(repeat, async (i) => {
    const tenant = tenantId((i + 5) % TENANTS);
    const keys = Array.from({ length: BATCH }, (_, n) => keyOf((i % 5) + 5 * n));
    let found: string[] = [];
    cold();
    const ms = await timed(async () => {
      found = (await layout.lookup(tenant, keys)).map((doc) => doc.key);
    });
    const wanted = new Set(keys);
    check(
      found.length === BATCH && new Set(found).size === BATCH && found.every((key) => wanted.has(key)),
      `batch lookup found ${found.length} of ${BATCH} (or other keys)`,
    );
    return ms;
  });
  cells.count = await sample(repeat, async (i) => {
    const tenant = tenantId(i % TENANTS);
    let counted = 0;
    const ms = await timed(async () => {
      counted = await layout.count(tenant);
    });
    check(counted === PER_TENANT, `count of ${tenant}: ${counted}, expected ${PER_TENANT}`);
    return ms;
  });
  // Writes last (they add documents): 500 stored keys rewritten (version 2) and 500 new keys next to them.
  cells.write = await sample(repeat, async (round) => {
    const tenant = tenantId((round + 7) % TENANTS);
    const first = (round * (BATCH / 2)) % (PER_TENANT - BATCH / 2);
    const operation = `op-${round}`;
    const batch: StoreDoc[] = [];
    const created: string[] = [];
    for (let j = first; j < first + BATCH / 2; j += 1) {
      const newKey = `${keyOf(j)}~${round}`;
      batch.push(makeDoc(tenant, keyOf(j), 2, operation), makeDoc(tenant, newKey, 1, operation));
      created.push(newKey);
    }
    cold();
    const ms = await timed(() => layout.writeBatch(tenant, batch, created));
    const [probeNew, probeOld, probeLast] = [created[created.length - 1] ?? '', keyOf(first), keyOf(first + 499)];
    check((await layout.byId(tenant, probeNew))?.version === 1, `write: ${probeNew} not created`);
    check((await layout.byId(tenant, probeOld))?.version === 2, `write: ${probeOld} not rewritten`);
    check((await layout.byId(tenant, probeLast))?.version === 2, `write: ${probeLast} not rewritten`);
    return ms;
  });
  return cells;
}

async function measureCandidate(candidate: Candidate, ferretdb: string, repeat: number): Promise<CandidateResult> {
  const { id, label, binary } = candidate;
  const result: CandidateResult = { id, label, binary, cached: false, cells: {} };
  let server: StoreServer | undefined;
  let opened: Opened | undefined;
  try {
    log(`store: starting ${label} (${binary} FerretDB ${ferretdb})`);
    server = await candidate.start(ferretdb);
    const url = withDatabase(server.url, 'ccflow_store');
    opened = await candidate.open(url);
    try {
      result.cells.seed = await seed(opened.layout);
    } catch (error) {
      result.cells.seed = { error: errorText(error) };
      throw error;
    }
    // FerretDB restarted on the loaded data: right after a bulk load, every SQLite commit of the same FerretDB
    // process costs ~100+ ms (its WAL is not reset: 126–163 ms per updateOne on 15,000 documents, 3–13 ms after a
    // restart), which would make every write shape measure that state instead of the statement.
    await opened.close();
    opened = undefined;
    await server.restart();
    opened = await candidate.open(url);
    result.cached = opened.layout.cache !== undefined;
    Object.assign(result.cells, await measureShapes(opened.layout, repeat));
  } catch (error) {
    result.error = errorText(error);
  } finally {
    await opened?.close().catch(() => undefined);
    await server?.stop().catch((error: unknown) => log(`store: stopping ${label}: ${errorText(error)}`));
  }
  for (const shape of SHAPES) {
    const cell = result.cells[shape.id];
    if (cell) log(`store: ${label}, ${shape.label}: ${describe(cell)}`);
  }
  if (result.error) log(`store: ${label} failed: ${result.error}`);
  return result;
}

function describe(cell: Cell | undefined): string {
  if (!cell) return '—';
  if (cell.error) return 'error';
  const ms = cell.medianMs ?? 0;
  const value = ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
  return `${value} (${cell.samplesMs?.length ?? 0})`;
}

/** A Markdown table, cells padded so that it reads in a terminal too. */
export function storeTable(results: CandidateResult[]): string {
  const rows = [
    ['median ms (samples)', ...results.map((r) => r.label)],
    ...SHAPES.map((shape) => [
      shape.label,
      ...results.map((r) => {
        if (shape.id === 'pageWarm' && !r.cached && !r.error) return 'no cache';
        return r.error && !r.cells[shape.id] ? 'failed' : describe(r.cells[shape.id]);
      }),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, column) => (column === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

export function storeBenchmark(options: Options): Benchmark {
  const name = `store candidates: ${SHAPES.length} shapes × ${CANDIDATES.length} configurations, ${TOTAL} documents`;
  let results: CandidateResult[] | undefined;
  let durationMs = 0;
  return {
    id: 'store',
    label: name,
    unit: 'ms',
    target: 'table only',
    async prepare() {
      const t0 = performance.now();
      const binaries: Record<Binary, string> = {
        patched: ensureBinaries().ferretdb,
        unpatched: ensureUnpatchedFerretDb(), // built on the first run only (see its file)
      };
      log(`store: binaries ready in ${Math.round((performance.now() - t0) / 1000)} s`);
      results = [];
      for (const candidate of CANDIDATES) {
        results.push(await measureCandidate(candidate, binaries[candidate.binary], options.repeat));
      }
      durationMs = performance.now() - t0;
      process.stdout.write(
        `\n== ${name} (${Math.round(durationMs / 1000)} s)\n\n${storeTable(results)}\n\n${STATEMENTS.join('\n')}\n`,
      );
    },
    async run(): Promise<BenchResult> {
      if (!results) throw new Error('the store benchmark did not run');
      const failed = results.filter((r) => r.error || Object.values(r.cells).some((cell) => cell.error));
      const errors = failed.map((r) =>
        [r.error, ...Object.entries(r.cells).map(([shape, cell]) => cell.error && `${shape}: ${cell.error}`)]
          .filter(Boolean)
          .map((text) => `${r.label}: ${text}`)
          .join('; '),
      );
      return {
        name,
        status: failed.length === results.length ? 'failed' : 'ok',
        ...(errors.length > 0 ? { error: errors.join(' | ') } : {}),
        unit: 'ms',
        measuredLabel: 'the table printed above (medians per shape and candidate)',
        baselineLabel: 'unpatched FerretDB/SQLite with the old one-collection statements (first column)',
        target: 'table only',
        met: failed.length === 0,
        details: {
          durationS: Math.round(durationMs / 1000),
          medians: Object.fromEntries(
            results.map((r) => [
              r.id,
              Object.fromEntries(
                Object.entries(r.cells).map(([shape, cell]) => [
                  shape,
                  cell.error ?? Math.round((cell.medianMs ?? 0) * 10) / 10,
                ]),
              ),
            ]),
          ),
        },
      };
    },
  };
}
