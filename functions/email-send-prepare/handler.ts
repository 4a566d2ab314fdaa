import { emailSendTask } from '#shared/emails/task-handler';
import { prepareSend, type SendRef } from '#shared/emails/send';

/** Issue 15, state `Prepare` of the email-send state machine: the email is mailing (22); the shards to page. */
export const handler = emailSendTask('email-send-prepare', (deps, input: SendRef) => prepareSend(deps, input));
