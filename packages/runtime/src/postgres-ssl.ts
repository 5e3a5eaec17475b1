import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { ConfigError } from "./config.js";

// PostgreSQL over TLS. MikroORM builds node-postgres' connection from the URL's host, port,
// user, password and database only (query parameters are dropped), so the runtime reads the
// libpq parameters itself and hands node-postgres an explicit `ssl`:
//
//   sslmode=disable      plaintext (also when no sslmode is given, node-postgres' default)
//   sslmode=require      encrypted, the server's certificate not checked (libpq's meaning) —
//                        unless sslrootcert is given, which makes it verify-ca (as libpq does)
//   sslmode=verify-ca    encrypted, the certificate must chain to sslrootcert (or the system CAs)
//   sslmode=verify-full  verify-ca, and the certificate must name the host of the URL
//   sslrootcert=FILE     the CA(s) to trust; `system` for the system's CAs
//   sslcert=FILE, sslkey=FILE  a client certificate (PostgreSQL `cert` authentication)
//
// `allow` and `prefer` would fall back to plaintext when the server has no TLS; node-postgres
// can't fall back, and a silent downgrade is what TLS is for preventing: they are refused.

export type SslMode = "disable" | "require" | "verify-ca" | "verify-full";

export interface PostgresSsl {
  mode: SslMode;
  /** node-postgres' `ssl` option: false, or tls.connect options. */
  ssl: false | ConnectionOptions;
}

const modes = new Set<string>(["disable", "require", "verify-ca", "verify-full"]);

function readFile(variable: string, parameter: string, path: string) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(`${variable}: ${parameter} names a file that can't be read`);
  }
}

/**
 * The TLS settings a `postgres://` URL asks for. Errors are `ConfigError`s naming `variable`
 * (and the parameter), never the URL: it may hold a password.
 */
export function postgresSslFrom(url: string, variable = "DATABASE_URL"): PostgresSsl {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    throw new ConfigError(`${variable}: not a valid URL`);
  }
  if (params.has("ssl")) {
    throw new ConfigError(
      `${variable}: use sslmode=disable|require|verify-ca|verify-full, not ssl=`,
    );
  }
  const mode = params.get("sslmode") ?? "disable";
  if (mode === "allow" || mode === "prefer") {
    throw new ConfigError(
      `${variable}: sslmode=${mode} may fall back to plaintext, which isn't supported; use disable, require, verify-ca or verify-full`,
    );
  }
  if (!modes.has(mode)) {
    throw new ConfigError(
      `${variable}: sslmode must be disable, require, verify-ca or verify-full`,
    );
  }
  const rootCert = params.get("sslrootcert");
  const certFile = params.get("sslcert");
  const keyFile = params.get("sslkey");
  if (mode === "disable") {
    if (rootCert || certFile || keyFile) {
      throw new ConfigError(`${variable}: sslrootcert/sslcert/sslkey given with sslmode=disable`);
    }
    return { mode: "disable", ssl: false };
  }
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(`${variable}: sslcert and sslkey go together`);
  }
  const ssl: ConnectionOptions = {};
  if (rootCert && rootCert !== "system") ssl.ca = readFile(variable, "sslrootcert", rootCert);
  if (certFile && keyFile) {
    ssl.cert = readFile(variable, "sslcert", certFile);
    ssl.key = readFile(variable, "sslkey", keyFile);
  }
  const effective: SslMode = mode === "require" && rootCert ? "verify-ca" : (mode as SslMode);
  if (effective === "require") {
    ssl.rejectUnauthorized = false;
  } else {
    ssl.rejectUnauthorized = true;
    // verify-ca checks the chain only; verify-full also the host name (Node's default check).
    if (effective === "verify-ca") ssl.checkServerIdentity = () => undefined;
  }
  return { mode: effective, ssl };
}

/** Node and node-postgres errors that mean "TLS to PostgreSQL failed" (configuration, not an outage). */
export function isPostgresTlsError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === "string" ? e.message : "";
  const code = typeof e?.code === "string" ? e.code : "";
  return (
    /does not support SSL|error establishing an SSL connection/.test(message) ||
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code) ||
    // The server refused the connection because it wasn't (or was) encrypted (pg_hba.conf),
    // or a certificate login came without a valid certificate.
    (code === "28000" && /(no encryption|SSL off|SSL on|certificate)/.test(message)) ||
    // The server refused our client certificate during the handshake (a TLS alert).
    /alert (unknown ca|bad certificate|certificate required)|SSLV3_ALERT|TLSV1_ALERT|TLSV13_ALERT/i.test(
      message,
    )
  );
}
