import type { TestStack, TestTenant } from './stack';
import { eventually } from './stack';

export interface OperationBody {
  id: string;
  status: string;
  failureReason?: string;
  counts: { total: number; succeeded: number; failed: number };
  progress: { processed: number; total: number; percent: number };
  links: Record<string, string>;
  [key: string]: unknown;
}

/** CSV text from a header and rows (cells quoted when needed), CRLF line ends like spreadsheet exports. */
export function csv(header: string[], rows: string[][], eol = '\r\n'): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [header, ...rows].map((row) => row.map(cell).join(',')).join(eol) + eol;
}

export async function submitImport(
  stack: TestStack,
  tenant: TestTenant,
  objectType: string,
  content: string | Buffer,
  fileName: string,
  extra: Record<string, string> = {},
) {
  let req = stack.http
    .post('/v1/bulk/operations')
    .set(tenant.auth)
    .field('kind', 'import')
    .field('objectType', objectType);
  for (const [name, value] of Object.entries(extra)) req = req.field(name, value);
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), fileName);
}

export async function submitExport(stack: TestStack, tenant: TestTenant, objectType: string, fileName?: string) {
  let req = stack.http
    .post('/v1/bulk/operations')
    .set(tenant.auth)
    .field('kind', 'export')
    .field('objectType', objectType);
  if (fileName) req = req.field('fileName', fileName);
  return req;
}

export async function waitForOperation(stack: TestStack, tenant: TestTenant, id: string, timeoutMs = 60000) {
  return eventually(
    async () => {
      const res = await stack.http.get(`/v1/bulk/operations/${id}`).set(tenant.auth);
      const body = res.body as OperationBody;
      return body.status === 'new' || body.status === 'inProgress' ? undefined : body;
    },
    timeoutMs,
    `operation ${id} to end`,
  );
}

/** Submits an import and waits for it to end; fails loudly when the submission itself is refused. */
export async function runImport(
  stack: TestStack,
  tenant: TestTenant,
  objectType: string,
  content: string | Buffer,
  fileName = `${objectType}.csv`,
  extra: Record<string, string> = {},
): Promise<OperationBody> {
  const res = await submitImport(stack, tenant, objectType, content, fileName, extra);
  if (res.status !== 202) throw new Error(`import refused: ${res.status} ${JSON.stringify(res.body)}`);
  return waitForOperation(stack, tenant, res.body.id);
}

export async function download(stack: TestStack, tenant: TestTenant, path: string) {
  return stack.http
    .get(path)
    .set(tenant.auth)
    .buffer(true)
    .parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });
}
