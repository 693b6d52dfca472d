import path from 'node:path';
import { writeWorkflowBundles } from './bundle';

const target = path.resolve(process.argv[2] ?? 'dist/workflow-bundles');
writeWorkflowBundles(target).then(
  () => process.stdout.write(`workflow bundles written to ${target}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
