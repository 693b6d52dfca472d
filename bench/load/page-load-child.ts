/**
 * Child process of bench/load/page-load.ts's runLoadInChild: reads one LoadSpec (JSON) from stdin, runs it, writes
 * the LoadResult (JSON) to stdout.
 */
import { type LoadSpec, runLoad } from './page-load';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadSpec;
  const result = await runLoad(spec);
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(JSON.stringify(result), (error) => (error ? reject(error) : resolve())),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `load client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
