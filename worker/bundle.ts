import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';

export const workflowsPath = path.resolve(__dirname, '../workflows/index.ts');

/**
 * Workflows are bundled once per process and shared by every Worker. A prebuilt bundle (production image, test
 * setup) is used when CCFLOW_WORKFLOW_BUNDLE names one, which saves several seconds per start.
 */
export async function loadWorkflowBundle(): Promise<WorkflowBundleOption> {
  const prebuilt = process.env.CCFLOW_WORKFLOW_BUNDLE;
  if (prebuilt && fs.existsSync(prebuilt)) return { codePath: prebuilt };
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

export async function writeWorkflowBundle(target: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, code);
}

const noop = (): void => undefined;
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  log: noop,
};
