import { emailSendTask } from '#shared/emails/task-handler';
import { sendPage, type PageInput } from '#shared/emails/send';

/** Issue 15, state `SendPage` (inside the Map): one page of one shard's recipients claimed, mailed and recorded. */
export const handler = emailSendTask('email-send-page', (deps, input: PageInput) => sendPage(deps, input));
