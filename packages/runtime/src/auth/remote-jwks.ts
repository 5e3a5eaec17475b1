import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

export interface RemoteJwksOptions {
  url: string;
  /**
   * Least time between two fetches of the key set, whatever their outcome (default 30 s): a flood
   * of tokens with unknown `kid`s, or an endpoint that is down, costs the key server at most one
   * request per cooldown.
   */
  cooldownMs?: number;
  /** Keys older than this are refetched before use, when the cooldown allows (default 10 min). */
  maxAgeMs?: number;
  /**
   * How long keys stay usable past `maxAgeMs` while refetching fails (default 1 h): a short
   * outage of the key server doesn't lock every user out; a long one does (fail closed).
   */
  staleGraceMs?: number;
  /** Timeout of one fetch (default 5 s). */
  timeoutMs?: number;
  /** Largest key set accepted (default 256 KiB). */
  maxBytes?: number;
}

export interface RemoteJwks {
  getKey: JWTVerifyGetKey;
  /** How many fetches were started (for tests and metrics). */
  fetches(): number;
}

/** No usable key set: never fetched successfully, or too long ago. */
export class JwksUnavailableError extends Error {
  override name = "JwksUnavailable";
}

/**
 * A JWKS endpoint's keys, cached and refetched on an unknown `kid`, with every fetch rate-limited.
 * (jose's createRemoteJWKSet refetches on every call while the endpoint fails; this doesn't.)
 * Redirects are not followed; `jku`/`x5u` headers of tokens are never looked at.
 */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  const url = new URL(options.url);
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const staleGraceMs = options.staleGraceMs ?? 60 * 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;

  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  let started = 0;

  async function fetchSet(): Promise<JSONWebKeySet> {
    const response = await fetch(url, {
      redirect: "manual",
      headers: { accept: "application/jwk-set+json, application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`JWKS answered HTTP ${response.status}`);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > maxBytes) throw new Error("JWKS too large");
    const body = await response.arrayBuffer();
    if (body.byteLength > maxBytes) throw new Error("JWKS too large");
    const json = JSON.parse(new TextDecoder().decode(body)) as JSONWebKeySet;
    if (!json || !Array.isArray(json.keys)) throw new Error("not a JWKS");
    return json;
  }

  /** Fetches the set unless a fetch is in flight (joins it) or the cooldown forbids one. */
  function refresh(): Promise<void> {
    if (pending) return pending;
    const now = Date.now();
    if (now - lastAttempt < cooldownMs) return Promise.resolve();
    lastAttempt = now;
    started++;
    pending = fetchSet()
      .then((json) => {
        local = createLocalJWKSet(json);
        loadedAt = Date.now();
      })
      // A failed fetch keeps the keys we have; the cooldown spaces the next attempt.
      .catch(() => {})
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  const usable = () => local !== undefined && Date.now() - loadedAt <= maxAgeMs + staleGraceMs;

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (!local || Date.now() - loadedAt > maxAgeMs) await refresh();
    if (!usable() || !local) throw new JwksUnavailableError("no usable key set");
    try {
      return await local(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
      // An unknown kid may be a new key: look again, if the cooldown allows.
      const before = local;
      await refresh();
      if (local === before || !local) throw e;
      return local(header, token);
    }
  };

  return { getKey, fetches: () => started };
}
