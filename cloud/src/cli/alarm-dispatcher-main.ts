/** Entry for a child process running one alarm dispatcher until SIGINT/SIGTERM (tests spawn it with tsx to kill it with -9). */
import { runAlarmDispatcher } from './alarm-dispatcher.js';

const running = await runAlarmDispatcher();
const stop = async () => {
  await running.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
