import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its private key, as PEM text and as files. */
export interface TestKeyPair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Throwaway certificates for TLS tests, made with the `openssl` CLI in a temporary directory. */
export interface TestCertificates {
  dir: string;
  /** The test CA (PEM) and its file. */
  ca: string;
  caFile: string;
  /** A service's certificate: SAN IP 127.0.0.1 + DNS localhost, EKU serverAuth and clientAuth. */
  server: TestKeyPair;
  /** Another service's certificate from the same CA (EKU clientAuth and serverAuth). */
  client: TestKeyPair;
  /** A CA nobody trusts, and a client certificate it signed. */
  otherCa: string;
  otherCaFile: string;
  rogueClient: TestKeyPair;
  /** A server certificate whose names don't include 127.0.0.1 or localhost. */
  wrongName: TestKeyPair;
  /** Issues another leaf from the test CA. */
  issue(name: string, sans: string): TestKeyPair;
  remove(): void;
}

const openssl = (args: string[], cwd: string) =>
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

function makeCa(dir: string, name: string): string {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return join(dir, `${name}.crt`);
}

function makeLeaf(dir: string, ca: string, name: string, sans: string): TestKeyPair {
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
  writeFileSync(
    join(dir, `${name}.ext`),
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth,clientAuth",
      `subjectAltName=${sans}`,
    ].join("\n"),
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-set_serial",
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ],
    dir,
  );
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return {
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
    certFile,
    keyFile,
  };
}

/** A CA, a server and a client certificate it signed, and an untrusted CA with its client. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "glidepath-tls-"));
  const caFile = makeCa(dir, "test-ca");
  const otherCaFile = makeCa(dir, "other-ca");
  const local = "IP:127.0.0.1,DNS:localhost";
  return {
    dir,
    ca: readFileSync(caFile, "utf8"),
    caFile,
    server: makeLeaf(dir, "test-ca", "core", local),
    client: makeLeaf(dir, "test-ca", "ai", local),
    otherCa: readFileSync(otherCaFile, "utf8"),
    otherCaFile,
    rogueClient: makeLeaf(dir, "other-ca", "rogue", local),
    wrongName: makeLeaf(dir, "test-ca", "elsewhere", "DNS:elsewhere.invalid"),
    issue: (name, sans) => makeLeaf(dir, "test-ca", name, sans),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
