import { emailSendTask } from '#shared/emails/task-handler';
import { finishSend, type SendRef } from '#shared/emails/send';

/** Issue 15, state `Finish`: every page done, the email is sent (3). */
export const handler = emailSendTask('email-send-finish', (deps, input: SendRef) => finishSend(deps, input));
