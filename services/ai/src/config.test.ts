import { ConfigError } from "@glidepath/runtime";
import { describe, expect, it } from "vitest";
import { readAiConfig } from "./config.js";

const base = {
  DATABASE_URL: "postgres://localhost/glidepath",
  AUTH_ISSUER: "https://issuer.test",
  AUTH_AUDIENCE: "glidepath",
  AUTH_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----",
};

describe("ai configuration", () => {
  it("needs CORE_GRPC_URL, an http(s) URL of core's gRPC listener", () => {
    for (const value of [undefined, "core:50051", "ftp://core:50051", "http://core:50051/x?y"]) {
      const env = value === undefined ? base : { ...base, CORE_GRPC_URL: value };
      expect(() => readAiConfig(env)).toThrow(ConfigError);
      expect(() => readAiConfig(env)).toThrow(/CORE_GRPC_URL/);
    }
  });

  it("reads its own settings with defaults", () => {
    const config = readAiConfig({ ...base, CORE_GRPC_URL: "http://127.0.0.1:50051" });
    expect(config).toMatchObject({
      CORE_GRPC_URL: "http://127.0.0.1:50051",
      CORE_TIMEOUT_MS: 5000,
      ROLE_CACHE_TTL_MS: 2000,
      MODEL_CACHE_SIZE: 200,
      MODEL_VERSIONS_KEPT: 10,
      OPEN_TASKS_CACHE_MS: 5000,
      PROJECTS_CACHE_MS: 2000,
    });
    expect(() =>
      readAiConfig({ ...base, CORE_GRPC_URL: "http://core:50051", MODEL_VERSIONS_KEPT: "0" }),
    ).toThrow(/MODEL_VERSIONS_KEPT/);
  });
});
