/**
 * Child process of bench/routing/driver.ts's runDriverInChild: reads one DriverSpec (JSON) from stdin, runs it, writes
 * the result (JSON) to stdout.
 */
import { type DriverSpec, runDriver } from './driver';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DriverSpec;
  const result = await runDriver(spec);
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(JSON.stringify(result), (error) => (error ? reject(error) : resolve())),
  );
}

// The Temporal client keeps handles open after its connection closed: exit explicitly.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `routing driver failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
