/** Entry for a child process running one enricher (tests spawn it with tsx to kill it with -9). */
import { runEnricher } from './enricher.js';

await runEnricher();
