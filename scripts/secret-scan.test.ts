// The secret scan catches what it promises to: secrets planted in a throwaway git work tree (each
// made here at run time, so this file holds none) make scripts/secret-scan.sh fail and be named;
// the same tree without them passes. CI runs the scan on the real tree as its own step.
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const script = resolve(import.meta.dirname, "secret-scan.sh");
const alnum = (n: number) =>
  Array.from(
    randomBytes(n),
    (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62],
  ).join("");
const upper = (n: number) =>
  Array.from(randomBytes(n), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32]).join("");
const b64url = (s: string) => Buffer.from(s).toString("base64url");

describe("secret scan", () => {
  const dir = mkdtempSync(join(tmpdir(), "secret-scan-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const scan = () => spawnSync("bash", [script, dir], { encoding: "utf8" });

  it("fails on planted secrets, names each file, and passes without them", () => {
    execFileSync("git", ["init", "-q", dir]);
    writeFileSync(join(dir, "clean.ts"), 'export const greeting = "hello";\n');
    const ed25519 = generateKeyPairSync("ed25519").privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs1",
      format: "pem",
    });
    const planted: Record<string, string> = {
      "ed25519.pem": String(ed25519),
      "rsa-key.ts": `export const key = \`${String(rsa)}\`;\n`,
      "aws.ts": `const id = "${["AK", "IA"].join("")}${upper(16)}";\n`,
      "github.ts": `const t = "${["gh", "p_"].join("")}${alnum(36)}";\n`,
      "jwt.ts": `const token = "${b64url('{"alg":"EdDSA","typ":"JWT"}')}.${b64url(
        JSON.stringify({ sub: "alice", exp: 2_000_000_000 }),
      )}.${randomBytes(64).toString("base64url")}";\n`,
      "master-key.env": `MASTER_KEYS=k1:${randomBytes(32).toString("base64")}\n`,
      "config.ts": `export const db = { password: "${alnum(28)}" };\n`,
      "url.ts": `const url = "postgres://app:${alnum(16)}@db.internal:5432/app";\n`,
    };
    for (const [name, text] of Object.entries(planted)) writeFileSync(join(dir, name), text);

    const dirty = scan();
    const flagged = Object.keys(planted).filter((name) => dirty.stdout.includes(`${dir}/${name}`));
    console.log(
      `secret scan: planted ${Object.keys(planted).length} secrets in a throwaway tree, flagged ${flagged.length}; ${dirty.stdout.trim().split("\n").at(-1)}`,
    );
    expect(dirty.status).toBe(1);
    expect(flagged.sort()).toEqual(Object.keys(planted).sort());
    // Masked: no planted value is printed.
    for (const text of Object.values(planted)) {
      const secretPart = text.match(/[A-Za-z0-9+/_=-]{16,}/)?.[0] ?? "";
      expect(dirty.stdout).not.toContain(secretPart);
    }

    for (const name of Object.keys(planted)) rmSync(join(dir, name));
    const clean = scan();
    expect(clean.stdout).toContain("secret scan: 1 files, 0 findings");
    expect(clean.status).toBe(0);
  });
});
