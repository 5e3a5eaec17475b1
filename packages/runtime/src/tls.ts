import { X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { ConfigError, type RuntimeConfig } from "./config.js";

// TLS in transit. A service serves TLS on every listener (gRPC, HTTP, metrics) when TLS_CERT and
// TLS_KEY are set; with TLS_CLIENT_CA its gRPC and HTTP ports also require a client certificate
// signed by that CA (mutual TLS between services). When it calls another service over https://,
// it verifies the server against TLS_CA (or the system's CAs) and presents TLS_CERT/TLS_KEY as its
// client certificate, so one certificate per service (EKU serverAuth + clientAuth) does both.

/** What a listener serves: this service's certificate chain and key, and the client CA (mTLS). */
export interface ServerTls {
  cert: string;
  key: string;
  /** When set, clients must present a certificate this CA signed. */
  clientCa?: string;
}

/** How this service calls others over https://: whom it trusts, and the certificate it shows. */
export interface ClientTls {
  /** Trusted CA(s); the system's when unset. */
  ca?: string;
  /** Client certificate and key (mutual TLS). */
  cert?: string;
  key?: string;
}

type TlsConfig = Pick<RuntimeConfig, "TLS_CERT" | "TLS_KEY" | "TLS_CLIENT_CA" | "TLS_CA">;

/** Oldest protocol any listener or client accepts. */
export const minTlsVersion = "TLSv1.2" as const;

function requirePem(variable: string, value: string, kind: "CERTIFICATE" | "PRIVATE KEY") {
  const marker =
    kind === "CERTIFICATE" ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!marker.test(value)) {
    throw new ConfigError(
      `${variable}: must be PEM (${kind}), or ${variable}_FILE naming a PEM file`,
    );
  }
}

function requireCertificates(variable: string, pem: string) {
  requirePem(variable, pem, "CERTIFICATE");
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const block of blocks) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      throw new ConfigError(`${variable}: holds a certificate that can't be parsed`);
    }
    if (Date.parse(certificate.validTo) < Date.now()) {
      throw new ConfigError(`${variable}: a certificate in it expired on ${certificate.validTo}`);
    }
  }
}

function secureContext(variable: string, options: SecureContextOptions, problem: string) {
  try {
    createSecureContext(options);
  } catch {
    throw new ConfigError(`${variable}: ${problem}`);
  }
}

/**
 * The listeners' TLS settings, or `undefined` for plaintext. Refuses half a configuration
 * (a certificate without its key, a client CA without a certificate), PEM that doesn't parse,
 * an expired certificate and a key that isn't the certificate's — naming the variable, never
 * the value.
 */
export function serverTlsFrom(config: TlsConfig): ServerTls | undefined {
  const { TLS_CERT: cert, TLS_KEY: key, TLS_CLIENT_CA: clientCa } = config;
  if (cert && !key)
    throw new ConfigError("TLS_KEY: required when TLS_CERT is set (set both or neither)");
  if (key && !cert)
    throw new ConfigError("TLS_CERT: required when TLS_KEY is set (set both or neither)");
  if (clientCa && !cert) {
    throw new ConfigError("TLS_CLIENT_CA: mutual TLS needs TLS_CERT and TLS_KEY as well");
  }
  if (!cert || !key) return undefined;
  requireCertificates("TLS_CERT", cert);
  requirePem("TLS_KEY", key, "PRIVATE KEY");
  secureContext("TLS_KEY", { cert, key }, "is not the private key of TLS_CERT, or can't be read");
  if (clientCa) {
    requireCertificates("TLS_CLIENT_CA", clientCa);
    secureContext("TLS_CLIENT_CA", { ca: clientCa }, "can't be read as CA certificates");
  }
  return { cert, key, ...(clientCa ? { clientCa } : {}) };
}

/**
 * How to call other services: `TLS_CA` to trust (the system's CAs when unset) and this service's
 * own certificate as the client certificate (for callees that require mutual TLS).
 * `undefined` when nothing is configured (https:// then uses the system's CAs, no client cert).
 */
export function clientTlsFrom(config: TlsConfig): ClientTls | undefined {
  const server = serverTlsFrom(config); // validates TLS_CERT/TLS_KEY as a pair
  const ca = config.TLS_CA;
  if (ca) {
    requireCertificates("TLS_CA", ca);
    secureContext("TLS_CA", { ca }, "can't be read as CA certificates");
  }
  if (!ca && !server) return undefined;
  return {
    ...(ca ? { ca } : {}),
    ...(server ? { cert: server.cert, key: server.key } : {}),
  };
}

/** grpc-js server credentials: TLS, with client certificates required when `clientCa` is set. */
export function grpcServerCredentials(tls: ServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.clientCa ? Buffer.from(tls.clientCa) : null,
    [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
    tls.clientCa !== undefined,
  );
}

/** Node `tls` options for a listener (HTTP and metrics ports). */
export function tlsServerOptions(tls: ServerTls, requireClientCert: boolean) {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: minTlsVersion,
    ...(requireClientCert && tls.clientCa
      ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }
      : {}),
  };
}
