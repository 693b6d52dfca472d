/**
 * Bulk uploads under real clients and hostile input (issue: no hangs, no leaked secrets, no leftovers, no 500s).
 * The app listens on a real port and is driven by curl, Python's urllib and a raw TCP client.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../api/app';
import type { Database } from '../../db/connection';
import { blobDir } from '../../domain/paths';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { csv } from '../support/bulk';
import { curl, python, rawRequest } from '../support/socket-clients';
import { eventually, useTestStack } from '../support/stack';
import { readConfigObject } from '../../db/bulk/config-objects';

const HEADER = ['Name', 'Description', 'Type'];

/** Every regular file below `dir` (paths relative to it). */
function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => fs.statSync(path.join(dir, entry)).isFile());
}

/** Descriptors this process holds open on files below `dir`. */
function openFilesBelow(dir: string): string[] {
  const root = fs.realpathSync(dir);
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(root) ? [target] : [];
    } catch {
      return [];
    }
  });
}

const connections = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

describe('bulk uploads through real socket clients', () => {
  // A 3 MB global cap, so the file-first case meets it with a small file; the CSV (5 MB) and audio (50 MB) rules
  // apply when the object type arrives first.
  const { stack, tenant } = useTestStack({ env: { CCFLOW_MAX_UPLOAD_BYTES: String(3 * 1024 * 1024) } });
  let server: Server;
  let base: string;
  let tmp: string;
  let blobs: string;

  beforeAll(async () => {
    server = createServer(stack.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tmp = fs.mkdtempSync(path.join(stack.config.CCFLOW_DATA_DIR, 'clients-'));
    blobs = blobDir(stack.config);
    fs.mkdirSync(blobs, { recursive: true });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const tenantFiles = () => filesBelow(path.join(blobs, 'tenants', tenant.id));
  const auth = () => ['-H', `Authorization: Bearer ${tenant.apiKey}`];

  function largeCsv(bytes: number): string {
    const row = `,${'x'.repeat(200)},IDLE_CODE\r\n`;
    const lines = [csv(HEADER, [])];
    for (let i = 0, size = lines[0]?.length ?? 0; size < bytes; i += 1) {
      lines.push(`Code ${i}${row}`);
      size += row.length + 12;
    }
    const file = path.join(tmp, `work-types-${bytes}.csv`);
    fs.writeFileSync(file, lines.join(''));
    return file;
  }

  async function expectNothingLeft(): Promise<void> {
    await eventually(async () => (tenantFiles().length === 0 ? true : undefined), 10000, 'no stored upload');
    await eventually(async () => ((await connections(server)) === 0 ? true : undefined), 10000, 'no open socket');
    expect(openFilesBelow(blobs)).toEqual([]);
    const health = await curl([`${base}/healthz`], 5);
    expect(health.status).toBe(200);
  }

  it('answers a CSV over 5 MB with 413 at once when the fields come first (curl), storing nothing', async () => {
    const file = largeCsv(5.7 * 1024 * 1024);
    const res = await curl([
      ...auth(),
      '-F',
      'kind=import',
      '-F',
      'objectType=work-types',
      '-F',
      `file=@${file}`,
      `${base}/v1/bulk/operations`,
    ]);
    expect(res.exitCode).toBe(0);
    expect(res.status).toBe(413);
    expect(res.seconds).toBeLessThan(5);
    expect(res.headers).toMatch(/^connection: close/im);
    expect(res.headers).toMatch(/^content-type: application\/problem\+json/im);
    expect(JSON.parse(res.body)).toMatchObject({
      code: 'payloadTooLarge',
      detail: expect.stringContaining('at most 5 MB'),
    });
    await expectNothingLeft();
  });

  it('answers the same to Python urllib, which sends the whole body before reading', async () => {
    const file = largeCsv(5.7 * 1024 * 1024);
    const script = `
import json, sys, time, urllib.request, urllib.error, uuid
url, key, path = sys.argv[1:4]
boundary = uuid.uuid4().hex
def field(name, value):
    return f'--{boundary}\\r\\nContent-Disposition: form-data; name="{name}"\\r\\n\\r\\n{value}\\r\\n'.encode()
body = field('kind', 'import') + field('objectType', 'work-types')
body += f'--{boundary}\\r\\nContent-Disposition: form-data; name="file"; filename="big.csv"\\r\\nContent-Type: text/csv\\r\\n\\r\\n'.encode()
body += open(path, 'rb').read() + f'\\r\\n--{boundary}--\\r\\n'.encode()
request = urllib.request.Request(url, data=body, method='POST', headers={'Authorization': 'Bearer ' + key, 'Content-Type': 'multipart/form-data; boundary=' + boundary})
started = time.time()
try:
    urllib.request.urlopen(request, timeout=20)
    print(json.dumps({'status': 200}))
except urllib.error.HTTPError as error:
    print(json.dumps({'status': error.code, 'body': json.loads(error.read()), 'seconds': time.time() - started}))
except Exception as error:
    print(json.dumps({'status': 0, 'error': repr(error), 'seconds': time.time() - started}))
`;
    const result = JSON.parse(await python(script, [`${base}/v1/bulk/operations`, tenant.apiKey, file])) as {
      status: number;
      body?: { code: string };
      seconds: number;
    };
    expect(result.status).toBe(413);
    expect(result.body?.code).toBe('payloadTooLarge');
    expect(result.seconds).toBeLessThan(10);
    await expectNothingLeft();
  });

  it('applies the audio ZIP limit (50 MB) and the global cap the same way', async () => {
    const bigZip = path.join(tmp, 'audio.zip');
    fs.writeFileSync(bigZip, Buffer.alloc(51 * 1024 * 1024, 7));
    const audio = await curl([
      ...auth(),
      '-F',
      'kind=import',
      '-F',
      'objectType=audio-files',
      '-F',
      `file=@${bigZip}`,
      `${base}/v1/bulk/operations`,
    ]);
    expect(audio.status).toBe(413);
    expect(JSON.parse(audio.body).detail).toContain('an audio ZIP may be at most 50 MB');

    const fileFirst = path.join(tmp, 'first.csv');
    fs.writeFileSync(fileFirst, Buffer.alloc(4 * 1024 * 1024, 65));
    const capped = await curl([
      ...auth(),
      '-F',
      `file=@${fileFirst}`,
      '-F',
      'kind=import',
      '-F',
      'objectType=work-types',
      `${base}/v1/bulk/operations`,
    ]);
    expect(capped.status).toBe(413);
    expect(JSON.parse(capped.body).detail).toContain(`uploads are limited to ${3 * 1024 * 1024} bytes`);
    await expectNothingLeft();
  });

  it('answers multipart without a boundary with a 400 that says so', async () => {
    const res = await curl([
      ...auth(),
      '-H',
      'Content-Type: multipart/form-data',
      '--data-binary',
      'kind=import',
      `${base}/v1/bulk/operations`,
    ]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'badRequest', detail: expect.stringContaining('no boundary') });
  });

  it.each(['/v1/config/access-groups/%ZZ', '/v1/audio-files/%E0%A4%A', '/v1/bulk/operations/%ZZ'])(
    'answers malformed percent-encoding in %s with 400',
    async (urlPath) => {
      const res = await curl([...auth(), '--path-as-is', `${base}${urlPath}`]);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).code).toBe('badRequest');
    },
  );

  it.each<['half-close' | 'destroy']>([['half-close'], ['destroy']])(
    'leaves no file and no descriptor behind when the client %ss in the middle of the file',
    async (ending) => {
      const boundary = 'ccflowtruncated';
      const preamble =
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimport\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="objectType"\r\n\r\nwork-types\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`;
      const body = Buffer.concat([
        Buffer.from(preamble),
        Buffer.from(csv(HEADER, [['A', '', 'IDLE_CODE']])),
        Buffer.alloc(1024 * 1024, 66),
      ]);
      const head =
        `POST /v1/bulk/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tenant.apiKey}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`;
      const answer = await rawRequest((server.address() as AddressInfo).port, head, body, ending);
      if (ending === 'half-close') expect(answer).toMatch(/^HTTP\/1\.1 400/);
      await expectNothingLeft();
      expect(filesBelow(blobs).filter((file) => file.endsWith('.partial'))).toEqual([]);
    },
  );

  it('keeps the uploaded file when the API fails after the workflow started, and the operation completes', async () => {
    // Fault injection on the real database client: only the API's record of the submitted operation fails, as it
    // did when the workflow's first write won the race; the workflow (its own connection) runs normally.
    const failingDb = new Proxy(stack.db, {
      get(target, property, receiver) {
        if (property !== 'bulkOperations') return Reflect.get(target, property, receiver);
        return new Proxy(target.bulkOperations, {
          get(model, name, modelReceiver) {
            if (name === 'updateOne') return () => Promise.reject(new Error('injected: read-model write lost'));
            return Reflect.get(model, name, modelReceiver);
          },
        });
      },
    }) as Database;
    const app = createApp({
      config: stack.config,
      db: failingDb,
      temporal: stack.client,
      blobs: new FsBlobStore(blobs),
      logger: pino({ level: 'silent' }),
    });
    const file = path.join(tmp, 'ok.csv');
    fs.writeFileSync(file, csv(HEADER, [['Survivor', '', 'IDLE_CODE']]));
    const failing = createServer(app);
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/v1/bulk/operations`;
      const res = await curl([
        ...auth(),
        '-F',
        'kind=import',
        '-F',
        'objectType=work-types',
        '-F',
        `file=@${file}`,
        url,
      ]);
      expect(res.status).toBe(500);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
    const site = await eventually(
      async () => readConfigObject(stack.db.config, tenant.id, 'work-types', 'Survivor'),
      60000,
      'the import to write its row',
    );
    expect(site?.data).toMatchObject({ name: 'Survivor' });
    const operation = await eventually(
      async () => {
        const doc = await stack.db.bulkOperations.findOne({ tenantId: tenant.id, fileName: 'ok.csv' }).lean();
        return doc?.endedAt ? doc : undefined;
      },
      60000,
      'the operation to end',
    );
    expect(operation.status).toBe('completed');
    expect(fs.existsSync(path.join(blobs, operation.uploadKey ?? 'missing'))).toBe(true);
  });
});
