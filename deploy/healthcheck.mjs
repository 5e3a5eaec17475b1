// The container's health check: grpc.health.v1 as Connect JSON on the service's HTTP port, over
// TLS when the service serves TLS. Exits 0 while the service reports SERVING, 1 otherwise.
//
//   node deploy/healthcheck.mjs          (the image's HEALTHCHECK; usable as a Kubernetes exec probe)
//
// It reads the service's own settings (or their `_FILE` forms): HTTP_PORT; with TLS_CERT/TLS_KEY
// set it connects with https, trusts TLS_CA (else TLS_CLIENT_CA, else the system's CAs) and
// presents TLS_CERT/TLS_KEY, which a TLS_CLIENT_CA port requires. The certificate chain is
// verified; its names are not, as this calls 127.0.0.1, which a service's certificate rarely
// names. Plain Node, no dependencies: it runs in the image as it is.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

const setting = (name) => {
  const file = process.env[`${name}_FILE`];
  if (file) return readFileSync(file, "utf8");
  return process.env[name] || undefined;
};

const port = Number(process.env.HTTP_PORT || 8081);
const cert = setting("TLS_CERT");
const key = setting("TLS_KEY");
const tls = cert && key;
const options = {
  host: "127.0.0.1",
  port,
  path: "/grpc.health.v1.Health/Check",
  method: "POST",
  headers: { "content-type": "application/json" },
  timeout: 2_500,
  ...(tls
    ? {
        cert,
        key,
        ca: setting("TLS_CA") ?? setting("TLS_CLIENT_CA"),
        checkServerIdentity: () => undefined,
      }
    : {}),
};
const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (chunk) => {
    body += chunk;
  });
  res.on("end", () => {
    try {
      process.exit(JSON.parse(body).status === "SERVING" ? 0 : 1);
    } catch {
      process.exit(1);
    }
  });
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", () => process.exit(1));
req.end("{}");
