/**
 * Child process of bench/load/page-load.ts's runLoadInChild: reads one LoadSpec (JSON) from stdin, runs it, writes
 * the LoadResult (JSON) to stdout.
 */
import { serveJsonChild } from '../child-process';
import { runLoad } from './page-load';

serveJsonChild(runLoad, 'load client');
