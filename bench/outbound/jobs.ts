/**
 * Outbound job read-model documents for the benchmarks: schema-valid `JobView`s (domain/outbound/records.ts) shaped
 * like what the job workflows write after a job's three attempts — every JobView field, the contact, extras, a
 * summary, and three Tasks each with a ten-line Conversation (Robot / Contact turns of a card-payment reminder in
 * Chinese or an appointment confirmation in English, summaries on the contact's turns). Everything is drawn from a
 * seeded pseudo-random sequence, so every run stores the same bytes.
 */
import type { JobWrite } from '../../db/outbound/jobs';
import { outboundTaskId } from '../../domain/ids';
import {
  type Contact,
  type ConversationLine,
  type JobView,
  jobViewSchema,
  type SummaryItem,
  type Task,
} from '../../domain/outbound/records';
import { DEFAULT_TIME_ZONE, type InstanceRecord } from '../../domain/outbound/resources';

/** mulberry32: a deterministic pseudo-random sequence in [0, 1) (the same data and id sets on every run). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

const hex = (random: () => number, digits: number): string =>
  Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');

/** A UUID-shaped id (OutboundBot's ids are UUIDs), unique by `n`. */
export const uuidLike = (random: () => number, n: number): string =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${hex(random, 4)}-${n.toString(16).padStart(12, '0')}`;

export const phoneNumber = (random: () => number): string =>
  `1${pick(random, ['3', '5', '7', '8', '9'])}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;

const ZH_NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴婷', '徐丽', '孙浩'];
const EN_NAMES = ['Alice Chen', 'Brian Wu', 'Carol Lin', 'David Zhou', 'Emma Liu', 'Frank Huang', 'Grace Xu'];

interface Script {
  lines: readonly string[];
  /** Summary of a contact's turn (odd lines), by line. */
  summaries: Readonly<Record<number, SummaryItem>>;
  brief: string;
  extras: (random: () => number) => { Key: string; Value: string }[];
}

const intent = (Content: string): SummaryItem => ({ SummaryName: '意向', Category: 'intent', Content });

function zhScript(name: string, amount: string, due: string): Script {
  return {
    lines: [
      `您好，这里是星海银行信用卡中心，请问是${name}吗？`,
      '对，是我，什么事？',
      `您的信用卡本期账单${amount}元将于${due}到期，请问您方便按时还款吗？`,
      '我下周才发工资，能晚几天还吗？',
      '可以为您申请延期还款，延期七天内不影响您的征信记录，请问需要为您办理吗？',
      '需要，麻烦帮我办一下。',
      '好的，已为您登记延期还款，稍后会有短信通知具体的还款日期和金额。',
      'OK，短信会发到这个号码吧？',
      '是的，会发送到您当前接听的号码。请问还有其他可以帮您的吗？',
      '没有了，谢谢，再见。',
    ],
    summaries: {
      1: { SummaryName: '身份确认', Category: 'identity', Content: '本人' },
      3: intent('申请延期'),
      5: intent('同意延期'),
      9: intent('结束通话'),
    },
    brief: `客户${name}确认身份，账单${amount}元申请延期还款，已登记并短信通知。`,
    extras: (random) => [
      { Key: '账单金额', Value: amount },
      { Key: '到期日', Value: due },
      { Key: '客户等级', Value: pick(random, ['普通', '金卡', '白金卡']) },
      { Key: '所属分行', Value: pick(random, ['上海浦东', '北京朝阳', '深圳南山', '杭州西湖']) },
    ],
  };
}

function enScript(name: string, date: string, time: string): Script {
  return {
    lines: [
      `Hello, this is the Starsea Dental Clinic calling for ${name}. Is this a good time to talk?`,
      'Yes, go ahead.',
      `You have a check-up booked on ${date} at ${time}. Will you be able to come?`,
      'Hmm, 那天我可能要出差, can we move it?',
      'Of course. The next free slots are the following Monday at 10:00 or Tuesday at 15:30. Which one suits you?',
      'Tuesday afternoon works, 周二下午三点半吧。',
      'Done: your appointment is now Tuesday at 15:30. You will get a text message with the details.',
      'Great, do I need to bring anything?',
      'Just your ID card and your insurance card, if you have one. Anything else I can help with?',
      'No, that is all. Thank you, bye.',
    ],
    summaries: {
      1: { SummaryName: 'availability', Category: 'identity', Content: 'confirmed' },
      3: intent('reschedule'),
      5: intent('Tuesday 15:30'),
      9: intent('end of call'),
    },
    brief: `${name} moved the check-up of ${date} ${time} to Tuesday 15:30; confirmation sent by SMS.`,
    extras: (random) => [
      { Key: 'appointmentDate', Value: date },
      { Key: 'appointmentTime', Value: time },
      { Key: 'doctor', Value: pick(random, ['Dr. Wang', 'Dr. Li', 'Dr. Smith']) },
      { Key: 'clinic', Value: pick(random, ['Pudong', 'Jing’an', 'Xuhui']) },
    ],
  };
}

export interface JobContext {
  tenantId: string;
  instanceId: string;
  jobGroupId: string;
  scenarioId: string;
  strategyId: string;
  chatbotId: string;
  callingNumbers: readonly string[];
  /** Epoch ms the seeded attempts are dated from. */
  now: number;
}

const CONNECTED_TASK_STATUSES = [
  'SucceededClientHangUp',
  'SucceededChatbotHangUpAfterSilence',
  'SucceededClientHangUpAfterNoAnswer',
] as const;

/** Job `n`'s read model: a job whose three attempts all reached the contact, most finishing the script. */
export function jobView(ctx: JobContext, n: number, random: () => number): JobView {
  const jobId = uuidLike(random, n);
  const english = random() < 0.3;
  const name = english ? pick(random, EN_NAMES) : pick(random, ZH_NAMES);
  const amount = (500 + Math.floor(random() * 20_000) + Math.floor(random() * 100) / 100).toFixed(2);
  const day = 1 + Math.floor(random() * 28);
  const script = english
    ? enScript(name, `2026-12-${String(day).padStart(2, '0')}`, pick(random, ['09:00', '10:30', '14:00', '16:30']))
    : zhScript(name, amount, `12月${day}日`);
  const called = phoneNumber(random);
  const referenceId = `REF-${String(n).padStart(8, '0')}`;
  const contact: Contact = {
    ContactId: uuidLike(random, n),
    ContactName: name,
    Honorific: english ? '' : pick(random, ['先生', '女士']),
    PhoneNumber: called,
    ReferenceId: referenceId,
    JobId: jobId,
    Role: '',
    State: 'Available',
  };
  const finished = random() < 0.9;
  const start = ctx.now - Math.floor(random() * 7 * 86_400_000);
  const tasks: Task[] = [0, 1, 2].map((attempt) => {
    const planned = start + attempt * 3_600_000;
    const actual = planned + Math.floor(random() * 30_000);
    const lineGap = 4_000 + Math.floor(random() * 3_000);
    const conversation: ConversationLine[] = script.lines.map((line, i) => ({
      Speaker: i % 2 === 0 ? 'Robot' : 'Contact',
      Script: line,
      Timestamp: actual + 2_000 + i * lineGap,
      Summary: script.summaries[i] ? [script.summaries[i]] : [],
    }));
    const duration = Math.round((2_000 + script.lines.length * lineGap) / 1000);
    const last = attempt === 2;
    const status = last && finished ? 'SucceededFinish' : pick(random, CONNECTED_TASK_STATUSES);
    return {
      TaskId: outboundTaskId(jobId, attempt + 1),
      JobId: jobId,
      Status: status,
      PlanedTime: planned,
      ActualTime: actual,
      EndTime: actual + duration * 1000,
      CallId: uuidLike(random, n * 3 + attempt),
      CalledNumber: called,
      CallingNumber: pick(random, ctx.callingNumbers),
      ChatbotId: ctx.chatbotId,
      Duration: duration,
      ScenarioId: ctx.scenarioId,
      Brief: script.brief,
      HangUpDirection: status === 'SucceededFinish' ? 'Robot' : 'Client',
      EndReason: status === 'SucceededFinish' ? 'Finished' : 'ClientHangUp',
      Contact: contact,
      Conversation: conversation,
    };
  });
  return {
    JobId: jobId,
    JobGroupId: ctx.jobGroupId,
    InstanceId: ctx.instanceId,
    ScenarioId: ctx.scenarioId,
    StrategyId: ctx.strategyId,
    Status: finished ? 'Succeeded' : 'Failed',
    FailureReason: finished ? '' : 'NoneRepeatableJobMaxAttemptCountLimit',
    Priority: 0,
    SystemPriority: 0,
    ReferenceId: referenceId,
    CalledNumber: called,
    CallingNumbers: [...ctx.callingNumbers],
    NextExecutionTime: 0,
    Contacts: [contact],
    Extras: script.extras(random),
    Summary: [intent(english ? 'reschedule' : '同意延期')],
    Tasks: tasks,
  };
}

/** The writes of jobs `from` … `to - 1` for `db.outboundJobs.insertMany`, each view checked against the schema. */
export function jobWrites(ctx: JobContext, from: number, to: number, random: () => number): JobWrite[] {
  return Array.from({ length: to - from }, (_, i) => {
    const position = from + i;
    const view = jobViewSchema.parse(jobView(ctx, position, random));
    return { tenantId: ctx.tenantId, view, version: 1, createdAt: ctx.now, position };
  });
}

/** The instance record ListJobs checks for (as CreateInstance would store it). */
export function instanceRecord(ctx: JobContext, name: string): InstanceRecord {
  return {
    instanceId: ctx.instanceId,
    name,
    description: 'outbound benchmark instance',
    maxConcurrentConversation: 10,
    callingNumbers: [...ctx.callingNumbers],
    timeZone: DEFAULT_TIME_ZONE,
    createdAt: ctx.now,
    modifiedAt: ctx.now,
  };
}

/**
 * A job just assigned, as its read model reads before its first attempt: `Scheduling`, its contact, no task yet —
 * what AssignJobsAsync's jobs look like once listed (the floor of writing them, for outbound-assign-async).
 */
export function scheduledJobView(ctx: JobContext, n: number, random: () => number): JobView {
  const jobId = uuidLike(random, n);
  const called = phoneNumber(random);
  const referenceId = `R${String(n).padStart(8, '0')}`;
  return {
    JobId: jobId,
    JobGroupId: ctx.jobGroupId,
    InstanceId: ctx.instanceId,
    ScenarioId: ctx.scenarioId,
    StrategyId: ctx.strategyId,
    Status: 'Scheduling',
    FailureReason: '',
    Priority: 0,
    SystemPriority: 0,
    ReferenceId: referenceId,
    CalledNumber: called,
    CallingNumbers: [...ctx.callingNumbers],
    NextExecutionTime: ctx.now + 86_400_000,
    Contacts: [
      {
        ContactId: uuidLike(random, n),
        ContactName: '',
        Honorific: '',
        PhoneNumber: called,
        ReferenceId: referenceId,
        JobId: jobId,
        Role: '',
        State: 'Available',
      },
    ],
    Extras: [],
    Summary: [],
    Tasks: [],
  };
}
