// The API key lives in sessionStorage only: gone when the tab closes, never in the URL, a cookie or history.
const KEY = 'cofund.apiKey';

export function readKey(): string | null {
  return sessionStorage.getItem(KEY);
}
export function saveKey(key: string) {
  sessionStorage.setItem(KEY, key);
}
export function clearKey() {
  sessionStorage.removeItem(KEY);
}
