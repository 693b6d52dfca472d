import { parse } from 'csv-parse/sync';
import { download, runImport, submitImport } from '../support/bulk';
import { useTestStack } from '../support/stack';
import { wav, zipOf } from '../support/zip';

describe('bulk import of audio files (ZIP of WAV)', () => {
  const { stack, tenant } = useTestStack();

  it('walks folders, imports real WAVs and lists everything else in the error CSV', async () => {
    const zip = await zipOf({
      'welcome.wav': wav(4000, 1),
      'prompts/en/hold-music.wav': wav(8000, 2),
      'prompts/fr/Bienvenue.WAV': wav(1000, 3),
      'prompts/readme.txt': 'not audio',
      'prompts/fake.wav': 'RIFF....AVI LIST',
      'bad name!.wav': wav(100, 4),
    });
    const op = await runImport(stack, tenant, 'audio-files', zip, 'prompts.zip');
    expect(op).toMatchObject({ status: 'completedWithErrors', counts: { total: 6, succeeded: 3, failed: 3 } });
    const errors = parse((await download(stack, tenant, op.links.errors ?? '')).body as Buffer, { columns: true });
    expect(errors).toEqual([
      { File: 'prompts/readme.txt', 'Error Message': expect.stringMatching(/not a \.wav file/) },
      { File: 'prompts/fake.wav', 'Error Message': expect.stringMatching(/not RIFF\/WAVE audio/) },
      { File: 'bad name!.wav', 'Error Message': expect.stringMatching(/bad name!\.wav/) },
    ]);
    const list = await stack.http.get('/v1/audio-files').set(tenant.auth);
    expect(list.body.items.map((f: { name: string }) => f.name)).toEqual([
      'Bienvenue.WAV',
      'hold-music.wav',
      'welcome.wav',
    ]);
    const bytes = await download(stack, tenant, '/v1/audio-files/hold-music.wav');
    expect(bytes.headers['content-type']).toBe('audio/wav');
    expect(Buffer.compare(bytes.body as Buffer, wav(8000, 2))).toBe(0);
  });

  it('replaces a file whose name already exists', async () => {
    const op = await runImport(
      stack,
      tenant,
      'audio-files',
      await zipOf({ 'other/welcome.wav': wav(500, 9) }),
      'v2.zip',
    );
    expect(op.status).toBe('completed');
    const bytes = await download(stack, tenant, '/v1/audio-files/welcome.wav');
    expect(Buffer.compare(bytes.body as Buffer, wav(500, 9))).toBe(0);
    expect(await stack.db.audioFiles.countDocuments({ tenantId: tenant.id, name: 'welcome.wav' })).toBe(1);
  });

  it('stores nothing on a dry run', async () => {
    const op = await runImport(stack, tenant, 'audio-files', await zipOf({ 'dry.wav': wav(100) }), 'dry.zip', {
      dryRun: 'true',
    });
    expect(op).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, failed: 0 } });
    expect((await stack.http.get('/v1/audio-files/dry.wav').set(tenant.auth)).status).toBe(404);
  });

  it.each<[string, () => Promise<Buffer>, RegExp]>([
    ['a non-ZIP upload', async () => wav(100), /is not a ZIP file; audio files are imported as a ZIP/],
    [
      'an absurd compression ratio',
      async () => zipOf({ 'silence.wav': Buffer.concat([wav(0), Buffer.alloc(20 * 1024 * 1024)]) }),
      /silence\.wav.*1[0-9]{3}:1|ratio/,
    ],
    [
      'too many entries',
      async () => zipOf(Object.fromEntries(Array.from({ length: 5001 }, (_, i) => [`f${i}.wav`, wav(1)]))),
      /5001 entries|too many|limit is 5000/i,
    ],
  ])('rejects %s whole, storing nothing', async (_case, content, reason) => {
    const before = await stack.db.audioFiles.countDocuments({ tenantId: tenant.id });
    const op = await runImport(stack, tenant, 'audio-files', await content(), 'upload.zip');
    expect(op.status).toBe('failed');
    expect(op.failureReason).toMatch(reason);
    expect(await stack.db.audioFiles.countDocuments({ tenantId: tenant.id })).toBe(before);
  });

  it('refuses an audio ZIP over 50 MB while uploading', async () => {
    const huge = Buffer.alloc(50 * 1024 * 1024 + 10, 1);
    const res = await submitImport(stack, tenant, 'audio-files', huge, 'huge.zip');
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/an audio ZIP may be at most 50 MB/);
  });
});
