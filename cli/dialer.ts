/**
 * `ccflow dialer simulate`: a stand-in for the telephony side of outbound jobs (issue 11), so that an outbound
 * instance's jobs can run end to end without phones. A real dialer and this one do the same thing through the public
 * API: register as a Job Router worker on the instance's queue (`outbound-<instanceId>`, channel `outboundVoice`),
 * take the offers of call attempts (each attempt is a router job whose id is the outbound task id), "call", report
 * what an answered call said (`POST /v1/outbound/tasks/{taskId}/outcome`) and close the router job with the task
 * status as its disposition code, which is how the job's workflow learns the attempt's outcome.
 *
 * Every response it reads is checked with zod: a wrong `--url` or a version skew then fails with a message instead of
 * a TypeError deep in the loop.
 */
import { randomBytes, randomInt } from 'node:crypto';
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { outboundQueueId } from '../domain/ids';
import { ApiError, ConnectionError, UnexpectedResponseError } from './api-client';
import type { OutputStream } from './progress';

const ROUTER_API_VERSION = '2023-11-01';
/** The channel outbound attempts are created on (activities/outbound dispatchAttempt). */
export const OUTBOUND_CHANNEL_ID = 'outboundVoice';
/** How often the worker is read for new offers: well inside the outbound offers' 60 s expiry. */
const POLL_INTERVAL_MS = 200;

/** The disposition of an answered call: the scripted conversation always runs to its end. */
export const ANSWERED_DISPOSITION = 'SucceededFinish';
/** Task statuses (spec §1.7) of attempts that did not reach the contact; all of them may be retried by a strategy. */
export const NOT_ANSWERED_DISPOSITIONS = ['NoAnswer', 'Busy', 'PoweredOff', 'NotConnected'] as const;

export const DIALER_DEFAULTS = { answerRate: 0.6, capacity: 5, callMs: 300 } as const;

/** Something about the instance or the run the operator must fix (the CLI prints the message and exits 1). */
export class DialerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialerError';
  }
}

export interface DialerSettings {
  instanceId: string;
  workerId: string;
  capacity: number;
  /** Probability in [0, 1] that the contact answers. */
  answerRate: number;
  /** Seeds the draws (answered or not, which status, which conversation), made in the order offers are accepted. */
  seed: number;
  /** How long each simulated call lasts in wall-clock time. */
  callMs: number;
  /** Stop after this many accepted attempts. */
  maxCalls?: number;
  /** Stop taking offers after this long. */
  durationMs?: number;
  pollMs?: number;
}

export interface DialerSummary {
  calls: number;
  answered: number;
  /** Attempts per disposition code they were closed with. */
  dispositions: Record<string, number>;
  /** Offers that expired or were withdrawn before this dialer could accept them. */
  lostOffers: number;
  /** Attempts that could not be reported or closed. */
  errors: number;
  elapsedMs: number;
  stoppedBy: 'signal' | 'maxCalls' | 'duration' | 'error';
}

export interface DialerOutput {
  stdout: OutputStream;
  stderr: { write(chunk: string): unknown };
}

// ---------------------------------------------------------------------------------------------------------------
// Option parsing (commander option parsers: a wrong value is a usage error naming the option)

export function parseAnswerRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new InvalidArgumentError('expected a number from 0 to 1, e.g. 0.6');
  }
  return rate;
}

export function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
    throw new InvalidArgumentError('expected a whole number from 0 to 4294967295');
  }
  return seed;
}

export function wholeNumberParser(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return number;
  };
}

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 7 * 86_400) {
    throw new InvalidArgumentError('expected a number of seconds above 0 (at most a week)');
  }
  return seconds;
}

/** `dialer-<host>-<6 hex>`: several simulators on one machine do not share (and so steal) a worker. */
export function defaultWorkerId(): string {
  const host =
    os
      .hostname()
      .replace(/[^A-Za-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'host';
  return `dialer-${host.slice(0, 40)}-${randomBytes(3).toString('hex')}`;
}

export const randomSeed = (): number => randomInt(0, 0xffffffff);

/** mulberry32: a small, fast PRNG, plenty for picking simulated outcomes, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The scripted calls

type Speaker = 'Robot' | 'Contact';

interface Scenario {
  intent: string;
  /** Who hung up: the contact (`client`) or the bot (`ivr`) — whoever speaks last. */
  hangUpDirection: 'client' | 'ivr';
  lines: readonly (readonly [Speaker, string])[];
  summary: readonly { summaryName: string; content: string }[];
}

const GREETING =
  'Hello, this is the ParcelGo delivery assistant. Your parcel is due tomorrow between 9 am and 1 pm. Will someone be home?';

/** A delivery-reminder bot, 3 to 6 lines per call. */
export const SCENARIOS: readonly Scenario[] = [
  {
    intent: 'confirmDelivery',
    hangUpDirection: 'client',
    lines: [
      ['Robot', GREETING],
      ['Contact', 'Yes, I will be home.'],
      ['Robot', 'Thank you. The driver will call you 15 minutes before arriving. Goodbye!'],
      ['Contact', 'Great, bye.'],
    ],
    summary: [
      { summaryName: 'intent', content: 'confirmDelivery' },
      { summaryName: 'deliverySlot', content: 'tomorrow 09:00-13:00' },
    ],
  },
  {
    intent: 'reschedule',
    hangUpDirection: 'ivr',
    lines: [
      ['Robot', GREETING],
      ['Contact', "No, I'm away tomorrow. Could you bring it on Friday instead?"],
      ['Robot', 'Of course. Friday between 9 am and 1 pm, is that right?'],
      ['Contact', 'Yes, that works.'],
      ['Robot', 'Done. You will get a text message with the new slot.'],
      ['Robot', 'Thank you for your time. Goodbye!'],
    ],
    summary: [
      { summaryName: 'intent', content: 'reschedule' },
      { summaryName: 'deliverySlot', content: 'Friday 09:00-13:00' },
    ],
  },
  {
    intent: 'leaveWithNeighbour',
    hangUpDirection: 'client',
    lines: [
      ['Robot', GREETING],
      ['Contact', 'No, but please leave it with my neighbour at number 12.'],
      ['Robot', 'Noted: the parcel will be left with your neighbour at number 12. Goodbye!'],
      ['Contact', 'Thanks, bye.'],
    ],
    summary: [
      { summaryName: 'intent', content: 'leaveWithNeighbour' },
      { summaryName: 'instructions', content: 'neighbour at number 12' },
    ],
  },
  {
    intent: 'wrongNumber',
    hangUpDirection: 'ivr',
    lines: [
      ['Robot', GREETING],
      ['Contact', "Sorry, I'm not expecting any parcel. You have the wrong number."],
      ['Robot', 'I apologise for the trouble. Goodbye!'],
    ],
    summary: [{ summaryName: 'intent', content: 'wrongNumber' }],
  },
];

/** What happens on one attempt, drawn when it is accepted so that a seed gives the same run for the same offers. */
export type CallPlan =
  | { answered: true; scenario: Scenario; gapsSeconds: number[] }
  | { answered: false; disposition: (typeof NOT_ANSWERED_DISPOSITIONS)[number] };

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)] ?? items[0];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

export function planCall(random: () => number, answerRate: number): CallPlan {
  // random() < 1 always and never < 0: rates 1 and 0 are exact.
  if (random() >= answerRate) return { answered: false, disposition: pick(random, NOT_ANSWERED_DISPOSITIONS) };
  const scenario = pick(random, SCENARIOS);
  // The conversation's own pace (2-6 s a line), not the --call-ms wall-clock delay: it is what the report shows.
  return { answered: true, scenario, gapsSeconds: scenario.lines.map(() => 2 + Math.floor(random() * 5)) };
}

/** The outcome body of an answered call: the transcript starts when the attempt was accepted. */
export function outcomeOf(taskId: string, plan: Extract<CallPlan, { answered: true }>, startedAt: number) {
  let offsetSeconds = 0;
  const conversation = plan.scenario.lines.map(([speaker, script], index) => {
    const line = { speaker, script, timestamp: startedAt + offsetSeconds * 1000 };
    offsetSeconds += plan.gapsSeconds[index] ?? 3;
    return line;
  });
  return {
    duration: offsetSeconds,
    callId: `sim-${taskId}`,
    hangUpDirection: plan.scenario.hangUpDirection,
    conversation,
    summary: plan.scenario.summary.map((item) => ({ ...item })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const azureErrorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string() }) });
const problemErrorSchema = z.object({ detail: z.string(), code: z.string().optional() });
const alibabaErrorSchema = z.object({ Message: z.string(), Code: z.string().optional() });

/** The message and code of an error in any of the server's three envelopes (router, native, outbound RPC). */
function errorOf(body: unknown): { message: string; code?: string } | undefined {
  const azure = azureErrorSchema.safeParse(body);
  if (azure.success) return azure.data.error;
  const problem = problemErrorSchema.safeParse(body);
  if (problem.success)
    return { message: problem.data.detail, ...(problem.data.code ? { code: problem.data.code } : {}) };
  const alibaba = alibabaErrorSchema.safeParse(body);
  if (alibaba.success)
    return { message: alibaba.data.Message, ...(alibaba.data.Code ? { code: alibaba.data.Code } : {}) };
  return undefined;
}

const reasonOf = (error: unknown): string => {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
};

class DialerHttp {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Sends one request; a non-2xx answer becomes an ApiError with the server's message. Returns the JSON body. */
  async send(method: string, pathAndQuery: string, body?: { json: unknown; contentType?: string }): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.apiKey}`,
          Accept: 'application/json',
          ...(body ? { 'Content-Type': body.contentType ?? 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body.json) } : {}),
      });
    } catch (error) {
      throw new ConnectionError(this.baseUrl, reasonOf(error));
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = errorOf(parsed);
      const snippet = text.trim().slice(0, 200);
      throw new ApiError(
        res.status,
        error?.message ?? `HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ''}`,
        error?.code,
        undefined,
        res.headers.get('x-ms-request-id') ?? res.headers.get('x-request-id') ?? undefined,
      );
    }
    return parsed;
  }

  async read<T>(
    schema: z.ZodType<T>,
    method: string,
    pathAndQuery: string,
    body?: { json: unknown; contentType?: string },
  ): Promise<T> {
    const parsed = schema.safeParse(await this.send(method, pathAndQuery, body));
    if (!parsed.success) {
      throw new UnexpectedResponseError(
        `unexpected response from ${method} ${pathAndQuery}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }
}

const router = (path: string): string => `/routing${path}?api-version=${ROUTER_API_VERSION}`;
const segment = encodeURIComponent;

const queueSchema = z.object({ id: z.string() }).loose();
const workerSchema = z
  .object({
    id: z.string(),
    offers: z
      .array(z.object({ offerId: z.string(), jobId: z.string(), expiresAt: z.string().optional() }).loose())
      .default([]),
  })
  .loose();
const acceptSchema = z.object({ assignmentId: z.string(), jobId: z.string() }).loose();
const routerJobSchema = z.object({ id: z.string(), labels: z.record(z.string(), z.unknown()).default({}) }).loose();
const taskSchema = z.object({ TaskId: z.string() }).loose();

// ---------------------------------------------------------------------------------------------------------------
// The dialer

/** Waits `ms`, or less when `signal` aborts (Ctrl-C should not wait for the next poll). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const labelText = (labels: Record<string, unknown>, name: string): string | undefined => {
  const value = labels[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

/** Runs the dialer until `stop` aborts, `maxCalls` attempts were taken or `durationMs` passed; then deregisters. */
export async function simulateDialer(
  connection: { url: string; apiKey: string },
  settings: DialerSettings,
  out: DialerOutput,
  stop: AbortSignal,
): Promise<DialerSummary> {
  const http = new DialerHttp(connection.url, connection.apiKey);
  const queueId = outboundQueueId(settings.instanceId);
  const workerPath = router(`/workers/${segment(settings.workerId)}`);
  const random = seededRandom(settings.seed);
  const pollMs = settings.pollMs ?? POLL_INTERVAL_MS;

  // The queue first: registering on a missing queue answers a 400 about `queues.0`, which does not say why.
  try {
    await http.read(queueSchema, 'GET', router(`/queues/${segment(queueId)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new DialerError(
        `outbound instance "${settings.instanceId}" has no router queue ${queueId}: check the instance id ` +
          "(CreateInstance answers it as Instance.InstanceId; ListInstances lists them) and that it belongs to this API key's tenant",
      );
    }
    throw error;
  }

  const setAvailable = (available: boolean) =>
    http.send(
      'PATCH',
      workerPath,
      available
        ? {
            json: {
              capacity: settings.capacity,
              queues: [queueId],
              channels: [{ channelId: OUTBOUND_CHANNEL_ID, capacityCostPerJob: 1 }],
              availableForOffers: true,
            },
            contentType: 'application/merge-patch+json',
          }
        : { json: { availableForOffers: false }, contentType: 'application/merge-patch+json' },
    );
  await setAvailable(true);

  const startedAt = Date.now();
  const deadline = settings.durationMs === undefined ? Number.POSITIVE_INFINITY : startedAt + settings.durationMs;
  const limits = [
    settings.maxCalls === undefined ? undefined : `after ${settings.maxCalls} call(s)`,
    settings.durationMs === undefined ? undefined : `after ${settings.durationMs / 1000} s`,
    'on Ctrl-C',
  ].filter((text): text is string => text !== undefined);
  out.stdout.write(
    `Dialer ${settings.workerId} registered on queue ${queueId} (channel ${OUTBOUND_CHANNEL_ID}, capacity ` +
      `${settings.capacity}, answer rate ${settings.answerRate}, seed ${settings.seed}); stops ${limits.join(' or ')}\n`,
  );

  const summary: DialerSummary = {
    calls: 0,
    answered: 0,
    dispositions: {},
    lostOffers: 0,
    errors: 0,
    elapsedMs: 0,
    stoppedBy: 'signal',
  };
  const stopReason = (): DialerSummary['stoppedBy'] | undefined => {
    if (stop.aborted) return 'signal';
    if (settings.maxCalls !== undefined && summary.calls >= settings.maxCalls) return 'maxCalls';
    if (Date.now() >= deadline) return 'duration';
    return undefined;
  };

  /** One accepted attempt, start to close. Errors are the caller's to count. */
  const call = async (number: number, taskId: string, assignmentId: string, plan: CallPlan): Promise<void> => {
    const acceptedAt = Date.now();
    const job = await http.read(routerJobSchema, 'GET', router(`/jobs/${segment(taskId)}`));
    const called = labelText(job.labels, 'calledNumber') ?? '(no calledNumber label)';
    const calling = labelText(job.labels, 'callingNumber');
    // The call itself is not cut short by Ctrl-C: it hangs up normally (see below).
    await new Promise((resolve) => setTimeout(resolve, settings.callMs));
    let disposition: string;
    let detail: string;
    if (plan.answered) {
      const outcome = outcomeOf(taskId, plan, acceptedAt);
      await http.read(taskSchema, 'POST', `/v1/outbound/tasks/${segment(taskId)}/outcome`, { json: outcome });
      disposition = ANSWERED_DISPOSITION;
      detail = `answered: ${plan.scenario.intent}, ${outcome.conversation.length} lines, ${outcome.duration} s`;
    } else {
      disposition = plan.disposition;
      detail = 'not answered';
    }
    const assignment = `/jobs/${segment(taskId)}/assignments/${segment(assignmentId)}`;
    await http.send('POST', router(`${assignment}:complete`), { json: {} });
    await http.send('POST', router(`${assignment}:close`), { json: { dispositionCode: disposition } });
    summary.dispositions[disposition] = (summary.dispositions[disposition] ?? 0) + 1;
    if (plan.answered) summary.answered += 1;
    out.stdout.write(
      `call ${number}  task ${taskId}  called ${called}${calling ? ` from ${calling}` : ''}  ${disposition} (${detail})\n`,
    );
  };

  /** Accepts an offer; undefined when someone else got it first or it expired (the router answers 404/409). */
  const accept = async (offerId: string): Promise<z.infer<typeof acceptSchema> | undefined> => {
    try {
      return await http.read(
        acceptSchema,
        'POST',
        router(`/workers/${segment(settings.workerId)}/offers/${segment(offerId)}:accept`),
      );
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 409)) {
        summary.lostOffers += 1;
        out.stderr.write(`offer ${offerId} lost before it was accepted: ${error.detail}\n`);
        return undefined;
      }
      throw error;
    }
  };

  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    while (stopReason() === undefined) {
      const worker = await http.read(workerSchema, 'GET', workerPath);
      for (const offer of worker.offers) {
        if (stopReason() !== undefined) break;
        if (seen.has(offer.offerId)) continue;
        seen.add(offer.offerId);
        const accepted = await accept(offer.offerId);
        if (!accepted) continue;
        summary.calls += 1;
        const number = summary.calls;
        const plan = planCall(random, settings.answerRate);
        const running: Promise<void> = call(number, accepted.jobId, accepted.assignmentId, plan)
          .catch((error: unknown) => {
            summary.errors += 1;
            const message = error instanceof ApiError ? error.detail : reasonOf(error);
            out.stderr.write(`call ${number}  task ${accepted.jobId}  error: ${message}\n`);
          })
          .finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
      if (stopReason() === undefined) await pause(Math.min(pollMs, deadline - Date.now()), stop);
    }
  } catch (error) {
    failure = error;
  }

  summary.stoppedBy = failure === undefined ? (stopReason() ?? 'signal') : 'error';
  if (inFlight.size > 0 && stop.aborted) {
    out.stdout.write(`Stopping: finishing ${inFlight.size} call(s) in progress (Ctrl-C again to quit at once)…\n`);
  }
  // Calls in progress hang up normally: left assigned, their router jobs (and outbound jobs) would wait forever.
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  try {
    // Deregistering also withdraws the offers this worker still holds, so they go to another dialer at once.
    await setAvailable(false);
  } catch (error) {
    if (failure === undefined) failure = error;
    else out.stderr.write(`could not deregister ${settings.workerId}: ${reasonOf(error)}\n`);
  }
  summary.elapsedMs = Date.now() - startedAt;
  out.stdout.write(formatSummary(settings.workerId, summary, failure === undefined));
  if (failure !== undefined) throw failure;
  return summary;
}

export function formatSummary(workerId: string, summary: DialerSummary, deregistered: boolean): string {
  const why = { signal: 'Ctrl-C', maxCalls: 'call limit reached', duration: 'time is up', error: 'error' }[
    summary.stoppedBy
  ];
  const outcomes = Object.entries(summary.dispositions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  const notAnswered = Object.entries(summary.dispositions)
    .filter(([code]) => code !== ANSWERED_DISPOSITION)
    .reduce((total, [, count]) => total + count, 0);
  const lines: [string, string][] = [
    [
      'Dialer',
      `${workerId} stopped (${why}) after ${(summary.elapsedMs / 1000).toFixed(1)} s` +
        (deregistered ? ', no longer available for offers' : ''),
    ],
    [
      'Calls',
      `${summary.calls} (${summary.answered} answered, ${notAnswered} not answered` +
        `${summary.errors > 0 ? `, ${summary.errors} failed` : ''})`,
    ],
    ['Outcomes', outcomes || 'none'],
  ];
  if (summary.lostOffers > 0) lines.push(['Lost offers', String(summary.lostOffers)]);
  if (summary.errors > 0) lines.push(['Errors', `${summary.errors} call(s) could not be reported or closed`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}\n`).join('');
}
