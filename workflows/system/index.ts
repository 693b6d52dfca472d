/** The system capability's workflow bundle entry. */
export { systemPing } from './ping';
