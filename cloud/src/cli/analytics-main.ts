/** Entry for a child process running one analytics instance until SIGINT/SIGTERM (tests spawn it with tsx to kill it with -9). */
import { runAnalytics } from './analytics.js';

const running = await runAnalytics();
const stop = async () => {
  await running.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
