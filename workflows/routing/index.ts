/** The routing capability's workflow bundle entry: the workflow types its Worker registers. */
export { routerJob } from './job';
export { tenantRouter } from './router';
export { routerEventDelivery } from './event-delivery';
