import { ConfigError, durationMs, parseConfig } from '../../domain/config';

describe('configuration', () => {
  it('defaults to the embedded stack', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ PORT: 8080, TEMPORAL_NAMESPACE: 'default', CCFLOW_DATA_DIR: '.data' });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.MONGODB_URI).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ MONGODB_URI: '' }).MONGODB_URI).toBeUndefined();
  });

  it('names every wrong variable in one error', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', MONGODB_URI: 'postgres://x', CCFLOW_BULK_RETENTION: 'a year' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT:/);
    expect(message).toMatch(/MONGODB_URI: MONGODB_URI must start with mongodb:\/\//);
    expect(message).toMatch(/CCFLOW_BULK_RETENTION: CCFLOW_BULK_RETENTION must be a duration/);
  });

  it('selects the task queues a worker polls', () => {
    expect(parseConfig({}).CCFLOW_WORKER_TASK_QUEUES).toEqual(['bulk', 'routing', 'outbound', 'system']);
    expect(parseConfig({ CCFLOW_WORKER_TASK_QUEUES: ' bulk , system' }).CCFLOW_WORKER_TASK_QUEUES).toEqual([
      'bulk',
      'system',
    ]);
    expect(() => parseConfig({ CCFLOW_WORKER_TASK_QUEUES: 'bulk,billing' })).toThrow(
      /CCFLOW_WORKER_TASK_QUEUES.*lists some of: bulk, routing, outbound, system/,
    );
  });

  it('converts durations', () => {
    expect(durationMs('30s')).toBe(30000);
    expect(durationMs('365d')).toBe(365 * 86400000);
    expect(() => durationMs('5 minutes')).toThrow(ConfigError);
  });
});
