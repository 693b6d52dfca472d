/**
 * Child process of bench/routing/driver.ts's runDriverInChild: reads one DriverSpec (JSON) from stdin, runs it, writes
 * the result (JSON) to stdout.
 */
import { serveJsonChild } from '../child-process';
import { runDriver } from './driver';

serveJsonChild(runDriver, 'routing driver');
