/**
 * Instance-wide dialling settings (spec §2.12): the per-number daily cap (Save/GetMaxAttemptsPerDay) and the
 * instance's calling windows (Save/GetBaseStrategyPeriod). Both live in the instance record, which every job reads
 * at each attempt, so a change applies from the next attempt on. Only StrategyLevel 2 (instance) exists in ccflow:
 * system and tenant levels have no settings of their own.
 */
import { z } from 'zod';
import type { BaseStrategy, InstanceRecord } from '../../domain/outbound/resources';
import { DEFAULT_INSTANCE_MAX_ATTEMPTS_PER_DAY, workingTimeSchema } from '../../domain/outbound/strategy';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { parseJsonParam, requireInstance, rpcBoolean, rpcId, rpcInt } from './common';

const INSTANCE_LEVEL = 2;

/** `StrategyLevel`: the SDK documents 0 system, 1 tenant, 2 instance (the default). */
const strategyLevel = rpcInt(0, 2)
  .refine((level) => level === INSTANCE_LEVEL, 'only 2 (instance) is supported: EntryId names an instance')
  .default(INSTANCE_LEVEL);

/** Seconds since midnight as `HH:mm:ss` (`24:00:00` stays itself); job group strategies answer with it too. */
export const wallTime = (seconds: number): string =>
  [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');

const framesSchema = z.array(workingTimeSchema).max(48, 'must hold at most 48 windows');

/** Seconds since midnight of an `HH:mm:ss` that was validated when saved. */
const secondsOf = (text: string): number => {
  const [hours = 0, minutes = 0, seconds = 0] = text.split(':').map(Number);
  return hours * 3600 + minutes * 60 + seconds;
};

export function settingsActions(deps: ApiDeps): RpcAction[] {
  const { db } = deps;
  const save = async (tenantId: string, record: InstanceRecord): Promise<void> =>
    db.outbound.instances.put(tenantId, { ...record, modifiedAt: Date.now() });

  return [
    defineAction({
      name: 'SaveMaxAttemptsPerDay',
      summary: "Sets an instance's cap of attempts per number per day (absent = back to the default of 3)",
      params: z.object({
        EntryId: rpcId,
        StrategyLevel: strategyLevel,
        MaxAttemptsPerDay: rpcInt(1, 1000).optional(),
      }),
      async handler({ tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.EntryId);
        const { maxAttemptsPerDay: _previous, ...rest } = instance;
        await save(
          tenant.id,
          params.MaxAttemptsPerDay === undefined ? rest : { ...rest, maxAttemptsPerDay: params.MaxAttemptsPerDay },
        );
        return {};
      },
    }),
    defineAction({
      name: 'GetMaxAttemptsPerDay',
      summary: "An instance's cap of attempts per number per day",
      params: z.object({ EntryId: rpcId, StrategyLevel: strategyLevel }),
      async handler({ tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.EntryId);
        return { MaxAttemptsPerDay: instance.maxAttemptsPerDay ?? DEFAULT_INSTANCE_MAX_ATTEMPTS_PER_DAY };
      },
    }),
    defineAction({
      name: 'SaveBaseStrategyPeriod',
      summary: "Sets an instance's calling windows and weekday flags (no window = the whole day)",
      params: z.object({
        EntryId: rpcId,
        StrategyLevel: strategyLevel,
        WorkingTimeFramesJson: z.string().optional(),
        OnlyWeekdays: rpcBoolean.default(false),
        OnlyWorkdays: rpcBoolean.default(false),
      }),
      async handler({ tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.EntryId);
        const frames =
          params.WorkingTimeFramesJson === undefined
            ? []
            : parseJsonParam('WorkingTimeFramesJson', params.WorkingTimeFramesJson, framesSchema);
        const baseStrategy: BaseStrategy = {
          // Stored normalised (`9:00` is refused by the schema; `09:00` becomes `09:00:00`).
          workingTime: frames.map((frame) => ({
            beginTime: wallTime(frame.beginTime),
            endTime: wallTime(frame.endTime),
          })),
          onlyWeekdays: params.OnlyWeekdays,
          onlyWorkdays: params.OnlyWorkdays,
        };
        await save(tenant.id, { ...instance, baseStrategy });
        return {};
      },
    }),
    defineAction({
      name: 'GetBaseStrategyPeriod',
      summary: "An instance's calling windows and weekday flags",
      params: z.object({ EntryId: rpcId, StrategyLevel: strategyLevel }),
      async handler({ tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.EntryId);
        const base = instance.baseStrategy ?? { workingTime: [], onlyWeekdays: false, onlyWorkdays: false };
        return {
          WorkingTime: base.workingTime.map((window) => ({
            BeginTime: window.beginTime,
            EndTime: window.endTime,
            BeginTimeMillis: secondsOf(window.beginTime) * 1000,
            EndTimeMillis: secondsOf(window.endTime) * 1000,
          })),
          OnlyWeekdays: base.onlyWeekdays,
          OnlyWorkdays: base.onlyWorkdays,
        };
      },
    }),
  ];
}
