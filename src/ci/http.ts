// One JSON request over Node's fetch, with an error that names the method, the URL and the
// status but never a request header or body (they carry tokens).
export type FetchLike = typeof fetch;

export class RemoteError extends Error {}

export async function requestJson(
  fetchImpl: FetchLike,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new RemoteError(`${method} ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new RemoteError(`${method} ${url}: HTTP ${res.status}`);
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new RemoteError(`${method} ${url}: the answer is not JSON`);
  }
}
