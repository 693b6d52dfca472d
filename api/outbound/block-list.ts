/**
 * An instance's contact block list (Save/Get/DeleteContactBlockList): numbers its jobs never dial (their attempt
 * ends `ContactBlockList`). Entries are keyed by phone number, so the number is also the entry's
 * `ContactBlockListId` and saving a listed number again replaces its entry.
 */
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import type { BlockListEntry } from '../../domain/outbound/resources';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { jsonParam, requireInstance, rpcBoolean, rpcId, rpcInt } from './common';

/** Entries per SaveContactBlockList call: one request line has to carry them all. */
const MAX_ENTRIES = 1000;

const phoneNumber = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(/^\+?\d[\d-]{0,31}$/, 'must be a phone number: digits, an optional leading + and dashes'));
const optionalText = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().max(256, 'must be at most 256 characters'))
  .optional();

/** One element after its keys were lower-cased (the docs spell the number `phoneNumber` and `phonenumber`). */
const entrySchema = z.object({
  phonenumber: phoneNumber,
  remark: optionalText,
  name: optionalText,
  creator: optionalText,
});

/** Every element validated before anything is stored; the first bad one is named by its index. */
function parseEntries(textValue: string, now: number): BlockListEntry[] {
  const value = jsonParam('ContactBlockListsJson', textValue);
  if (!Array.isArray(value)) {
    throw new ServiceError(
      'validationFailed',
      'The specified parameter ContactBlockListsJson is invalid: must be a JSON array of {phoneNumber, name, remark, creator}.',
    );
  }
  if (value.length === 0 || value.length > MAX_ENTRIES) {
    throw new ServiceError(
      'validationFailed',
      `The specified parameter ContactBlockListsJson is invalid: must hold 1 to ${MAX_ENTRIES} entries, got ${value.length}.`,
    );
  }
  const byNumber = new Map<string, BlockListEntry>();
  value.forEach((element: unknown, index) => {
    const lowered =
      typeof element === 'object' && element !== null && !Array.isArray(element)
        ? Object.fromEntries(Object.entries(element).map(([key, field]) => [key.toLowerCase(), field]))
        : element;
    const parsed = entrySchema.safeParse(lowered);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field =
        issue?.path[0] === 'phonenumber' ? '.phoneNumber' : issue?.path.length ? `.${issue.path.join('.')}` : '';
      throw new ServiceError(
        'validationFailed',
        `The specified parameter ContactBlockListsJson[${index}]${field} is invalid: ${issue?.message ?? 'invalid'}.`,
      );
    }
    const { phonenumber, remark, name, creator } = parsed.data;
    // A number listed twice in one call: the later element wins, as a later call would.
    byNumber.set(phonenumber, {
      phoneNumber: phonenumber,
      remark: remark ?? '',
      name: name ?? '',
      creator: creator ?? '',
      createdAt: now,
    });
  });
  return [...byNumber.values()];
}

export function blockListActions(deps: ApiDeps): RpcAction[] {
  const { db } = deps;
  return [
    defineAction({
      name: 'SaveContactBlockList',
      summary: "Adds numbers to an instance's block list (replacing entries of numbers already listed)",
      params: z.object({ InstanceId: rpcId, ContactBlockListsJson: z.string() }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        const entries = parseEntries(params.ContactBlockListsJson, Date.now());
        await db.outbound.blockList.put(tenant.id, params.InstanceId, entries);
        return { AffectedRows: entries.length };
      },
    }),
    defineAction({
      name: 'GetContactBlockList',
      summary: "A page of an instance's block list, by number",
      params: z.object({
        InstanceId: rpcId,
        PageNumber: rpcInt(1, 1_000_000).default(1),
        PageSize: rpcInt(1, 100).default(10),
        SearchPattern: z.string().optional(),
        // The total is always counted.
        CountTotalRow: rpcBoolean.optional(),
      }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        const search = params.SearchPattern?.trim();
        const { total, entries } = await db.outbound.blockList.page(tenant.id, params.InstanceId, {
          ...(search ? { search } : {}),
          skip: (params.PageNumber - 1) * params.PageSize,
          limit: params.PageSize,
        });
        return {
          ContactBlocklistList: {
            PageNumber: params.PageNumber,
            PageSize: params.PageSize,
            TotalCount: total,
            List: entries.map((entry) => ({
              ContactBlockListId: entry.phoneNumber,
              InstanceId: params.InstanceId,
              PhoneNumber: entry.phoneNumber,
              Name: entry.name,
              Remark: entry.remark,
              Creator: entry.creator,
              Operator: entry.creator,
              CreationTime: entry.createdAt,
            })),
          },
        };
      },
    }),
    defineAction({
      name: 'DeleteContactBlockList',
      summary: "Removes one number (its ContactBlockListId) from an instance's block list",
      params: z.object({ InstanceId: rpcId, ContactBlockListId: rpcId, Operator: z.string().optional() }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        // An id that is not listed removes nothing: AffectedRows 0, as a repeated delete would answer.
        const removed = await db.outbound.blockList.remove(tenant.id, params.InstanceId, [params.ContactBlockListId]);
        return { AffectedRows: removed };
      },
    }),
  ];
}
