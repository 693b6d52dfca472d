export { assignJobsAsync } from './assign-async';
export { outboundJob } from './job';
export { outboundSlots } from './slots';
