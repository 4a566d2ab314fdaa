/**
 * SPEC A8: what drives the automated-email dispatcher. EventBridge Scheduler in AWS (one-time
 * `at()` entries deleted after they ran, recurring `cron()` entries), an embedded scheduler
 * locally. Entries are named, so creating one twice is harmless.
 */
export type DispatchEvent =
  /** Send what falls due in this minute (ISO `YYYY-MM-DDTHH:MM`, UTC). */
  | { kind: 'due'; minute: string }
  /** A scheduled start or end time has come. */
  | { kind: 'start' | 'end'; automationId: number }
  /** The daily anniversary scan of one automated email. */
  | { kind: 'anniversary'; automationId: number };

/** A reserved regular email's time has come (issue 15): its send starts, if it is still reserved for then. */
export interface EmailSendEvent {
  kind: 'emailSend';
  emailId: number;
  /** The reservation this entry was made for (a later reservation replaces it). */
  reserveAt: string;
}

/** Everything a scheduler entry runs: the automated-email dispatcher's events and reserved regular emails. */
export type ScheduledEvent = DispatchEvent | EmailSendEvent;

export interface Scheduler {
  /** Runs the dispatcher with `event` once at `at` (at once when `at` has passed). */
  at(name: string, at: Date, event: ScheduledEvent): Promise<void>;
  /** Runs the dispatcher with `event` every day at `time` (HH:MM) in `timeZone`. */
  daily(name: string, time: string, timeZone: string, event: ScheduledEvent): Promise<void>;
  remove(name: string): Promise<void>;
}
