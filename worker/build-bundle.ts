import path from 'node:path';
import { writeWorkflowBundle } from './bundle';

const target = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
writeWorkflowBundle(target).then(
  () => process.stdout.write(`workflow bundle written to ${target}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
