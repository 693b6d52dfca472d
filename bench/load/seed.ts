/**
 * The store the load benchmarks share (issue #8): `--objects` sites (default 50,000) over `--tenants` tenants (default
 * 10 × 5000), seeded through the public API only — a tenant is created with `POST /v1/admin/tenants`, imports the
 * multimedia profile its sites reference, then one multipart import of its sites — one tenant after the other, each
 * import checked `completed` with exact counts. Seeded once per bench run (per stack): the first benchmark that asks
 * pays for it, the others reuse it and add their own objects on top (`objects` counts them).
 */
import { performance } from 'node:perf_hooks';
import type { OperationView } from '../../api/bulk/views';
import { ApiClient, expectCompleted } from '../api';
import { type BenchContext, OPERATION_TIMEOUT_MS } from '../benchmark';
import { log, seconds } from '../report';
import type { BenchStack } from '../stack';
import type { LoadOptions } from './options';
import { type CsvFile, profileCsv, sitesCsv } from './sites';

export interface LoadTenant {
  id: string;
  name: string;
  /** Prefix of every key this tenant's generated objects carry (`t03`). */
  prefix: string;
  apiKey: string;
  api: ApiClient;
  /** The sites this tenant holds, in key order (what its pages must list). */
  keys: string[];
}

export interface ImportTiming {
  tenant: string;
  rows: number;
  /** Client-side: from the start of the upload until the operation was seen `completed` (polled). */
  ms: number;
  /** Objects of the type stored (all tenants) before this import. */
  objectsBefore: number;
  operation: OperationView;
}

export interface SeededStore {
  objectType: string;
  tenants: LoadTenant[];
  perTenant: number;
  /** Objects of the type stored now, all tenants (the benchmarks that add objects raise it). */
  objects: number;
  seedMs: number;
  imports: ImportTiming[];
}

const POLL_MS = 100;

/** A tenant and its first API key, through the admin API. */
export async function createTenant(
  baseUrl: string,
  adminKey: string | undefined,
  name: string,
): Promise<{ id: string; apiKey: string }> {
  if (!adminKey) throw new Error('no admin key to create tenants with');
  const res = await fetch(`${baseUrl}/v1/admin/tenants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { id?: unknown; apiKey?: unknown };
  if (res.status !== 201 || typeof body.id !== 'string' || typeof body.apiKey !== 'string') {
    throw new Error(`POST /v1/admin/tenants: ${res.status} ${JSON.stringify(body)}`);
  }
  return { id: body.id, apiKey: body.apiKey };
}

/** Uploads one CSV, waits until the operation ends and checks it `completed` with every row succeeded. */
export async function importFile(
  api: ApiClient,
  file: CsvFile,
  pollMs = POLL_MS,
): Promise<{ ms: number; operation: OperationView }> {
  const t0 = performance.now();
  const submitted = await api.submit(
    { kind: 'import', objectType: file.objectType },
    { content: new Blob([file.text]), name: `${file.objectType}.csv` },
  );
  const operation = await api.waitUntilEnded(submitted.id, OPERATION_TIMEOUT_MS, pollMs);
  const ms = performance.now() - t0;
  expectCompleted(operation, file.rows);
  return { ms, operation };
}

/** Where tenants are created: an API and its admin key. */
export interface Ccflow {
  baseUrl: string;
  adminKey: string | undefined;
}

export const benchCcflow = (bench: BenchStack): Ccflow => ({
  baseUrl: bench.baseUrl,
  adminKey: bench.env.CCFLOW_ADMIN_KEY,
});

/** A new tenant (admin API) holding the multimedia profile its sites reference, and no site yet. */
export async function newLoadTenant(ccflow: Ccflow, prefix: string, name: string): Promise<LoadTenant> {
  const created = await createTenant(ccflow.baseUrl, ccflow.adminKey, name);
  const api = new ApiClient(ccflow.baseUrl, created.apiKey);
  await importFile(api, profileCsv());
  return { id: created.id, name, prefix, apiKey: created.apiKey, api, keys: [] };
}

/** Imports `file` (sites) for `tenant`, checks it and records its keys; `store.objects` grows by its rows. */
export async function importSites(
  store: Pick<SeededStore, 'objects'>,
  tenant: LoadTenant,
  file: CsvFile,
  pollMs = POLL_MS,
): Promise<ImportTiming> {
  const objectsBefore = store.objects;
  const { ms, operation } = await importFile(tenant.api, file, pollMs);
  store.objects += file.rows;
  tenant.keys = [...tenant.keys, ...file.keys].sort();
  return { tenant: tenant.prefix, rows: file.rows, ms, objectsBefore, operation };
}

export const tenantPrefix = (index: number): string => `t${String(index + 1).padStart(2, '0')}`;

async function seed(context: BenchContext, load: LoadOptions): Promise<SeededStore> {
  const perTenant = load.objects / load.tenants;
  log(`load: seeding ${load.objects} sites through the API: ${load.tenants} tenants × one import of ${perTenant} rows`);
  const store: SeededStore = { objectType: 'sites', tenants: [], perTenant, objects: 0, seedMs: 0, imports: [] };
  const t0 = performance.now();
  for (let i = 0; i < load.tenants; i += 1) {
    const prefix = tenantPrefix(i);
    const tenant = await newLoadTenant(benchCcflow(context.bench), prefix, `Load tenant ${prefix}`);
    store.tenants.push(tenant);
    const timing = await importSites(store, tenant, sitesCsv(prefix, perTenant));
    store.imports.push(timing);
    log(
      `load: seed ${i + 1}/${load.tenants}: ${prefix} imported ${perTenant} sites in ${seconds(timing.ms)} ` +
        `(the type held ${timing.objectsBefore} objects before)`,
    );
  }
  store.seedMs = performance.now() - t0;
  log(`load: seeded ${store.objects} sites in ${seconds(store.seedMs)} (tenant creation and profiles included)`);
  return store;
}

const seeded = new WeakMap<BenchStack, Promise<SeededStore>>();

/** The seeded store of this bench stack: seeded by the first caller, shared by the next ones. */
export function seededStore(context: BenchContext, load: LoadOptions): Promise<SeededStore> {
  let store = seeded.get(context.bench);
  if (!store) {
    store = seed(context, load);
    seeded.set(context.bench, store);
  }
  return store;
}

/** What the results record about the seeding (the same in every load benchmark's details). */
export function seedDetails(store: SeededStore): Record<string, unknown> {
  return {
    objectType: store.objectType,
    tenants: store.tenants.length,
    perTenant: store.perTenant,
    seedS: Math.round(store.seedMs / 100) / 10,
    seedImportsMs: store.imports.map((timing) => Math.round(timing.ms)),
  };
}
