import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for handlers, domain and the local runtime. Never log secrets (SPEC R3). */
export const logger = new Logger({
  serviceName: 'newsletter',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | 'DEBUG' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
});
