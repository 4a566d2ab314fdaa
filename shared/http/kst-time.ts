/** Times as the public v2 API prints them, in Korea Standard Time (UTC+9, no daylight saving). */
const KST_MS = 9 * 3_600_000;

const parts = (iso: string) => {
  const shifted = new Date(new Date(iso).getTime() + KST_MS).toISOString();
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 19) };
};

/** `2024-11-12 17:09:13 +0900 KST` (subscribers' createdTime / modifiedTime). */
export const kstSubscriberTime = (iso: string): string => {
  const { date, time } = parts(iso);
  return `${date} ${time} +0900 KST`;
};

/** `2024-11-17T22:20:35+09:00` (groups' createdTime, RFC 3339). */
export const kstIsoTime = (iso: string): string => {
  const { date, time } = parts(iso);
  return `${date}T${time}+09:00`;
};
