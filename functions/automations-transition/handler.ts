import { apiHandler } from '#shared/http/api-handler';
import { transition } from '#shared/automations/automations';
import { viewOf } from '#shared/automations/model';
import { transitionBody, transitionParams } from '#shared/automations/schemas';

const actions = {
  start: 'start',
  schedule: 'schedule',
  'cancel-schedule': 'cancelSchedule',
  pause: 'pause',
  resume: 'resume',
  end: 'end',
} as const;

/** SPEC A2: one state change; an illegal one is refused naming the current state. */
export const handler = apiHandler({ params: transitionParams, body: transitionBody }, async ({ params, body, workspaceId, deps }) =>
  viewOf(await transition(deps, workspaceId, params.automationId, actions[params.action], body ?? {})),
);
