// Makes the development secrets deploy/compose.yaml needs, in deploy/.secrets/ (git-ignored),
// and prints a token to call the edge with. Run from the repository root after `npm ci`:
//
//   node deploy/dev-secrets.mjs
//
// Files (kept between runs; delete deploy/.secrets/ to start over):
//   signing-key.jwk.json  Ed25519 private key that signs development tokens (0600, never mounted)
//   jwks/jwks.json        its public JWKS, served by the `jwks` container to Envoy and the services
//   postgres-password     the PostgreSQL superuser's password
//   database-url          DATABASE_URL for the services (mounted as DATABASE_URL_FILE)
//   service-keys/<svc>.pem  each service's own Ed25519 key (SERVICE_SIGNING_KEY_FILE)
//   service-keys.json     every service's public key (SERVICE_KEYS_FILE), trusted by all
//   master-keys           core's master key for encryption at rest (MASTER_KEYS_FILE)
// The last five are world-readable because compose bind-mounts secret files with their host
// permissions and the containers run as other users: development only.
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";

const issuer = "https://glidepath.local/dev"; // = envoy.yaml's provider issuer, AUTH_ISSUER
const audience = "glidepath"; // = envoy.yaml's audiences, AUTH_AUDIENCE
const dir = join(import.meta.dirname, ".secrets");
mkdirSync(join(dir, "jwks"), { recursive: true });
chmodSync(dir, 0o755);

const keyFile = join(dir, "signing-key.jwk.json");
if (!existsSync(keyFile)) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = `dev-${randomBytes(6).toString("hex")}`;
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
}
const jwk = JSON.parse(readFileSync(keyFile, "utf8"));
const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" };
writeFileSync(join(dir, "jwks", "jwks.json"), JSON.stringify({ keys: [publicJwk] }), {
  mode: 0o644,
});

const passwordFile = join(dir, "postgres-password");
if (!existsSync(passwordFile)) {
  writeFileSync(passwordFile, randomBytes(18).toString("hex"), { mode: 0o644 });
}
const password = readFileSync(passwordFile, "utf8").trim();
writeFileSync(
  join(dir, "database-url"),
  `postgres://postgres:${password}@postgres:5432/glidepath`,
  { mode: 0o644 },
);

// Service identity (docs/security.md): a key per service, and the map of public keys they trust.
mkdirSync(join(dir, "service-keys"), { recursive: true });
const trusted = {};
for (const service of ["core", "ai", "autonomy", "learning"]) {
  const file = join(dir, "service-keys", `${service}.pem`);
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o644 });
  }
  trusted[service] = createPublicKey(readFileSync(file, "utf8"))
    .export({ type: "spki", format: "pem" })
    .toString();
}
writeFileSync(join(dir, "service-keys.json"), JSON.stringify(trusted), { mode: 0o644 });

// Encryption at rest (docs/security.md): core's master key, made once (MASTER_KEYS_FILE).
const masterKeysFile = join(dir, "master-keys");
if (!existsSync(masterKeysFile)) {
  writeFileSync(masterKeysFile, `dev1:${randomBytes(32).toString("base64")}\n`, { mode: 0o644 });
}

const token = await new SignJWT({})
  .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: jwk.kid })
  .setSubject(process.env.DEV_USER ?? "dev-user")
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime("12h")
  .sign(await importJWK(jwk, "EdDSA"));

console.log(`development secrets are in ${dir}
token for "${process.env.DEV_USER ?? "dev-user"}", valid 12 h:
export TOKEN=${token}`);
