import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import type { Capability } from '../domain/capabilities';
import { CAPABILITY_WORKERS } from './capabilities';

/** Where a prebuilt bundle of one capability's workflows lives inside a bundle directory. */
export const bundleFileName = (capability: Capability): string => `${capability}.js`;

/**
 * Each capability's workflows are bundled on their own, so a Worker's isolate holds only its capability's code.
 * Prebuilt bundles (production image, test setup) are used when CCFLOW_WORKFLOW_BUNDLE_DIR holds one, which saves
 * several seconds per start.
 */
export async function loadWorkflowBundle(capability: Capability, workflowsPath: string): Promise<WorkflowBundleOption> {
  const dir = process.env.CCFLOW_WORKFLOW_BUNDLE_DIR;
  const prebuilt = dir ? path.join(dir, bundleFileName(capability)) : undefined;
  if (prebuilt && fs.existsSync(prebuilt)) return { codePath: prebuilt };
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

/** Writes one bundle per registered capability into `dir`. */
export async function writeWorkflowBundles(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of Object.values(CAPABILITY_WORKERS)) {
    const { code } = await bundleWorkflowCode({ workflowsPath: entry.workflowsPath, logger: quietBundlerLogger });
    fs.writeFileSync(path.join(dir, bundleFileName(entry.capability)), code);
  }
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
