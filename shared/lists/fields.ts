/** SPEC L2: custom fields of a list and the checks their values go through. */
import { z } from 'zod';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';
import { normalizePhone } from '#shared/subscribers/phone';
import { parseDateTime } from '#shared/subscribers/v1-format';

export const fieldTypes = ['text', 'number', 'date', 'datetime', 'phone', 'email', 'yesno'] as const;
export type FieldType = (typeof fieldTypes)[number];

export interface CustomField {
  tag: string;
  label: string;
  type: FieldType;
}

/** `email` always exists and cannot be changed; `$`-prefixed keys are base fields like `$ad_agreed`. */
export const EMAIL_FIELD: CustomField = { tag: 'email', label: '이메일 주소', type: 'email' };
export const defaultFields: CustomField[] = [EMAIL_FIELD, { tag: 'name', label: '이름', type: 'text' }];

/**
 * Issue 14: names a plain object already has (`constructor`, `toString`, …) and `prototype`. As
 * tags they would meet inherited members wherever a row or merge values are read by name, in our
 * code or in a caller's; refused outright, with a message that says why.
 */
export const RESERVED_TAGS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export const fieldTagSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a tag starts with a letter and has letters, digits or _ (40 at most)')
  .refine((tag) => !RESERVED_TAGS.has(tag), { message: 'this tag is reserved (a name every JavaScript object has); choose another' });

/** Types the original refuses to convert from or to (understanding-subscriber-info). */
export const fixedTypes: ReadonlySet<FieldType> = new Set(['number', 'date', 'datetime']);

/**
 * Why a value does not fit its field, and so the v1 bucket it lands in: `phone` → failWrongPhone,
 * `datetime` (a date or date-time that does not parse) → failValidationDateTime, `validation`
 * (any other type mismatch) → failValidation.
 */
export type FieldValueResult = { ok: true; value: string | number } | { ok: false; kind: 'phone' | 'datetime' | 'validation' };

const DATE = /^(\d{4})[-./](\d{2})[-./](\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Checks and normalizes one value for its field type. Empty string clears a field. */
export function checkFieldValue(field: CustomField, raw: unknown): FieldValueResult {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: '' };
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : null;
  const other = field.type === 'phone' ? 'phone' : field.type === 'date' || field.type === 'datetime' ? 'datetime' : 'validation';
  if (text === null) return { ok: false, kind: other };
  switch (field.type) {
    case 'text':
      return text.length <= 2000 ? { ok: true, value: text } : { ok: false, kind: 'validation' };
    case 'number': {
      const n = Number(text.replace(/,/g, ''));
      return text !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, kind: 'validation' };
    }
    case 'date': {
      const m = DATE.exec(text);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return { ok: false, kind: 'datetime' };
      return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` };
    }
    case 'datetime': {
      // `yyyy-MM-dd HH:mm:ss` as callers send it is Korean time, never the server's zone.
      const t = parseDateTime(text);
      return t ? { ok: true, value: t.toISOString() } : { ok: false, kind: 'datetime' };
    }
    case 'phone': {
      const p = normalizePhone(text);
      return p ? { ok: true, value: text } : { ok: false, kind: 'phone' };
    }
    case 'email': {
      const e = normalizeEmail(text);
      return isValidEmail(e) ? { ok: true, value: e } : { ok: false, kind: 'validation' };
    }
    case 'yesno': {
      const v = text.toUpperCase();
      if (['Y', 'YES', 'TRUE'].includes(v)) return { ok: true, value: 'Y' };
      if (['N', 'NO', 'FALSE'].includes(v)) return { ok: true, value: 'N' };
      return { ok: false, kind: 'validation' };
    }
  }
}

/** The field whose value must be unique in the list (SPEC L3): the first phone-typed field. */
export const uniquePhoneField = (fields: readonly CustomField[]): CustomField | undefined =>
  fields.find((f) => f.type === 'phone');
