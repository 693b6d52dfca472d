/** No Docker engine here: the reference topology is checked statically, so a broken wiring fails CI anyway. */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../domain/config';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number };
  volumes?: string[];
}

const root = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const dependsOn = (name: string): string[] => {
  const deps = services[name]?.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
};

describe('docker-compose.yml (reference topology)', () => {
  it('has every service the app needs', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'mongodb', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('runs Temporal on PostgreSQL with the pinned server version and its Web UI', () => {
    expect(services.temporal?.image).toBe('temporalio/auto-setup:1.29.1');
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(dependsOn('temporal')).toContain('postgresql');
    expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services['temporal-ui']?.ports).toContain('8233:8080');
  });

  it('registers every search attribute ccflow uses', () => {
    const script = (services['temporal-setup']?.command ?? []).join(' ');
    for (const name of ['TenantId', 'Capability', 'ObjectType', 'OperationKind', 'WorkStatus', 'OperationId']) {
      expect(script).toContain(name);
    }
  });

  it('runs MongoDB as a replica set', () => {
    expect(services.mongodb?.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
  });

  it.each(['api', 'worker'])('wires %s to Temporal, MongoDB and shared blobs with valid configuration', (name) => {
    const service = services[name];
    expect(service?.build).toBe('.');
    const env = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, String(v)]));
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.MONGODB_URI).toMatch(/^mongodb:\/\/mongodb:27017\/ccflow\?replicaSet=rs0$/);
    const parsed = configSchema.safeParse({
      ...env,
      CCFLOW_ADMIN_KEY: 'x'.repeat(16),
      CCFLOW_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(parsed.success).toBe(true);
    expect(dependsOn(name)).toEqual(expect.arrayContaining(['temporal', 'mongodb', 'temporal-setup']));
    expect(service?.volumes?.some((v) => v.endsWith(`:${env.CCFLOW_BLOB_DIR}`))).toBe(true);
  });

  it('publishes the API port and scales workers', () => {
    expect(services.api?.ports).toContain('8080:8080');
    expect(services.api?.environment?.PORT).toBe(8080);
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(services.api?.command).toEqual(['node', 'dist/api/main.js']);
    expect(services.worker?.command).toEqual(['node', 'dist/worker/main.js']);
  });
});
