/** Field schemas the response schemas share (not response bodies themselves, so not re-exported). */
import * as z from 'zod/mini';

export const nullableString = z.nullable(z.string());
export const nullableNumber = z.nullable(z.number());
export const isoTime = z.string().check(z.describe('ISO-8601 date-time'));
