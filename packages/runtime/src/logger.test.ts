import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("logger", () => {
  it("writes JSON and never the values of secrets, tokens, notes or raw text", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("test", "info", sink);
    const canaries = [
      "canary-token-1",
      "canary-notes-2",
      "canary-text-3",
      "canary-secret-4",
      "canary-auth-5",
    ];
    logger.info(
      {
        token: canaries[0],
        task: { notes: canaries[1], source_text: canaries[2] },
        text: canaries[2],
        secret: canaries[3],
        headers: { authorization: `Bearer ${canaries[4]}` },
      },
      "hello",
    );
    const out = lines.join("");
    const line = JSON.parse(out);
    expect(line).toMatchObject({ level: "info", service: "test", message: "hello" });
    const leaked = canaries.filter((c) => out.includes(c));
    console.log(`logger: planted ${canaries.length} canaries, found ${leaked.length} in the log`);
    expect(leaked).toEqual([]);
  });
});
