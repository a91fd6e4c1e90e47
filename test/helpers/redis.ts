import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { waitFor } from './app';

/** Whether a Redis on `port` answers PING (a raw socket: nothing lingers after a refused connect). */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/** A throwaway redis-server (Debian's package) on loopback: no persistence, gone when stopped. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  if (!(await waitFor(() => redisAnswers(port), 10000))) {
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}`);
  }
  return proc;
}

export async function stopRedis(proc?: ChildProcess): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}
