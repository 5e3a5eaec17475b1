import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, runtimeConfigSchema } from "./config.js";

const base = {
  DATABASE_URL: "postgres://u@h/db",
  AUTH_ISSUER: "https://issuer",
  AUTH_AUDIENCE: "glidepath",
};

describe("readConfig", () => {
  it("applies defaults and coerces numbers and lists", () => {
    const config = readConfig(runtimeConfigSchema, {
      ...base,
      GRPC_PORT: "50051",
      CORS_ORIGINS: "http://a,http://b",
    });
    expect(config.GRPC_PORT).toBe(50051);
    expect(config.MAX_MESSAGE_BYTES).toBe(4 * 1024 * 1024);
    expect(config.CORS_ORIGINS).toEqual(["http://a", "http://b"]);
    expect(config.AUTH_ALGORITHMS).toEqual(["EdDSA", "ES256", "RS256"]);
    expect(config.MIGRATE_ON_START).toBe(true);
  });

  it("reads FOO_FILE as FOO, trimmed", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "url"), "postgres://secret@h/db\n");
    const { DATABASE_URL: _, ...rest } = base;
    const config = readConfig(runtimeConfigSchema, {
      ...rest,
      DATABASE_URL_FILE: join(dir, "url"),
    });
    expect(config.DATABASE_URL).toBe("postgres://secret@h/db");
  });

  it("refuses both FOO and FOO_FILE, an unreadable file, and bad values — naming the variable, not the value", () => {
    expect(() => readConfig(runtimeConfigSchema, { ...base, DATABASE_URL_FILE: "/x" })).toThrow(
      /DATABASE_URL or DATABASE_URL_FILE/,
    );
    const { DATABASE_URL: _, ...rest } = base;
    expect(() =>
      readConfig(runtimeConfigSchema, { ...rest, DATABASE_URL_FILE: "/nonexistent/file" }),
    ).toThrow(ConfigError);
    try {
      readConfig(runtimeConfigSchema, {
        ...base,
        DATABASE_URL: "mysql://secret-password@h",
        GRPC_PORT: "70000",
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(String(e)).toMatch(/DATABASE_URL/);
      expect(String(e)).toMatch(/GRPC_PORT/);
      expect(String(e)).not.toMatch(/secret-password/);
    }
    expect(() => readConfig(runtimeConfigSchema, { DATABASE_URL: base.DATABASE_URL })).toThrow(
      /AUTH_ISSUER/,
    );
  });
});
