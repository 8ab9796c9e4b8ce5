// hub/periods/testing — a period close over REST as a client does it: POST /api/v1/periods/close, then, on a 202,
// GET /api/v1/periods/close until the close has ended. Returns the POST's answer and the status it ended with.
import { call, waitFor, type Reply } from '../../status/test-support.js';
import type { CloseStatus } from '../job.js';

export async function closeOverRest(url: string, through: string, opts: { token?: string } = {}): Promise<{ post: Reply; status: CloseStatus }> {
  const post = await call(url, 'POST', '/api/v1/periods/close', { body: { through }, ...opts });
  const status = await waitFor('the period close to end', async () => {
    const s = (await call<CloseStatus>(url, 'GET', '/api/v1/periods/close', opts)).body;
    return s.state === 'running' ? undefined : s;
  });
  return { post, status };
}
