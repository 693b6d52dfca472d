import { Client, Connection } from '@temporalio/client';
import type { Config } from '../domain/config';

export async function connectTemporalClient(config: Config): Promise<Client> {
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS must be set');
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
