// Keeps deploy/ in step with the contracts and the runtime, offline (no Docker, Envoy or
// Prometheus needed): every glidepath.* service in the descriptor image must be transcoded and
// routed by Envoy, every google.api.http route must reach it, every service must be scraped by
// Prometheus and run by compose, every alert must have promtool cases that fire and stay quiet,
// and the Kubernetes manifests must agree with the runtime's configuration rules.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fromBinary, getExtension, hasExtension } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { type HttpRule, http } from "@glidepath/contracts/google";
import { contractImagePath } from "@glidepath/contracts/image";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const root = resolve(import.meta.dirname, "..");
const deploy = (...parts: string[]) => join(root, "deploy", ...parts);
const read = (path: string) => readFileSync(path, "utf8");
const yaml = <T>(path: string): T => parse(read(path), { merge: true, maxAliasCount: -1 }) as T;

// --- The contracts -------------------------------------------------------------------------------

interface Rpc {
  /** Short name of the process that serves it: `core` for glidepath.core.v1. */
  process: string;
  service: string;
  method: string;
  serverStreaming: boolean;
  clientStreaming: boolean;
  noSideEffects: boolean;
  rules: { verb: string; template: string }[];
  /** An `Internal*Service`: for other services only, never served at the public edge. */
  internal: boolean;
}

function loadContracts() {
  const image = fromBinary(FileDescriptorSetSchema, readFileSync(contractImagePath));
  const rpcs: Rpc[] = [];
  const services = new Set<string>();
  for (const file of image.file) {
    if (!file.package.startsWith("glidepath.")) continue;
    const pkg = /^glidepath\.([a-z][a-z0-9_]*)\.v\d+(?:(?:alpha|beta)\d*)?$/.exec(file.package);
    if (!pkg?.[1]) throw new Error(`package ${file.package} is not glidepath.<service>.v<N>`);
    for (const service of file.service) {
      const fullName = `${file.package}.${service.name}`;
      const internal = /^Internal[A-Za-z0-9]*Service$/.test(service.name);
      if (!internal) services.add(fullName);
      for (const method of service.method) {
        const rules: { verb: string; template: string }[] = [];
        const options = method.options;
        if (options && hasExtension(options, http)) {
          const rule = getExtension(options, http);
          for (const r of [rule, ...rule.additionalBindings]) rules.push(ruleOf(r));
        }
        rpcs.push({
          process: pkg[1],
          service: fullName,
          method: method.name,
          serverStreaming: method.serverStreaming ?? false,
          clientStreaming: method.clientStreaming ?? false,
          noSideEffects:
            options?.idempotencyLevel === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
          rules,
          internal,
        });
      }
    }
  }
  return {
    rpcs,
    services: [...services].sort(),
    processes: [...new Set(rpcs.map((r) => r.process))],
  };
}

function ruleOf(rule: HttpRule): { verb: string; template: string } {
  const p = rule.pattern;
  if (p.case === "custom") return { verb: p.value.kind.toUpperCase(), template: p.value.path };
  if (p.case === undefined) throw new Error("google.api.http rule without a pattern");
  return { verb: p.case.toUpperCase(), template: p.value };
}

/** A concrete path for a path template: `/v1/{name=workspaces/*}` → `/v1/workspaces/x1`. */
function examplePath(template: string): string {
  return template.replace(/\{[^}=]+(?:=([^}]*))?\}/g, (_, pattern: string | undefined) =>
    (pattern ?? "*")
      .split("/")
      .map((segment, i) => (segment === "**" ? `x${i}/y${i}` : segment === "*" ? `x${i}` : segment))
      .join("/"),
  );
}

const contracts = loadContracts();

// --- Envoy ---------------------------------------------------------------------------------------

interface StringMatch {
  exact?: string;
  prefix?: string;
}
interface RouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex: string };
  headers?: { name: string; present_match?: boolean; string_match?: StringMatch }[];
  query_parameters?: { name: string; string_match?: StringMatch }[];
}
interface Route {
  name?: string;
  match: RouteMatch;
  route?: { cluster?: string; timeout?: string; idle_timeout?: string };
  direct_response?: { status: number };
  typed_per_filter_config?: Record<string, Record<string, unknown>>;
}
interface HttpFilter {
  name: string;
  typed_config: Record<string, unknown>;
}
interface Hcm {
  route_config: {
    virtual_hosts: { name: string; routes: Route[]; request_headers_to_remove?: string[] }[];
  };
  http_filters: HttpFilter[];
  tracing?: {
    provider: { typed_config: { grpc_service?: { envoy_grpc?: { cluster_name: string } } } };
  };
}
interface SocketAddress {
  address: string;
  port_value: number;
}
interface Cluster {
  name: string;
  typed_extension_protocol_options?: Record<
    string,
    { explicit_http_config?: { http2_protocol_options?: object } }
  >;
  load_assignment: {
    endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[];
  };
  health_checks?: { grpc_health_check?: { service_name?: string } }[];
}
interface Listener {
  name: string;
  address: { socket_address: SocketAddress };
  filter_chains: { filters: { name: string; typed_config: Hcm }[] }[];
}
interface Bootstrap {
  admin: { address: { socket_address: SocketAddress } };
  static_resources: { listeners: Listener[]; clusters: Cluster[] };
}

const envoy = yaml<Bootstrap>(deploy("envoy", "envoy.yaml"));
const publicListener = envoy.static_resources.listeners.find((l) => l.name === "public");
const hcm = publicListener?.filter_chains[0]?.filters.find(
  (f) => f.name === "envoy.filters.network.http_connection_manager",
)?.typed_config;
if (!hcm) throw new Error("envoy.yaml: no HTTP connection manager on the `public` listener");
const routes = hcm.route_config.virtual_hosts.flatMap((v) => v.routes);
const filter = (name: string) => {
  const f = hcm.http_filters.find((x) => x.name === name);
  if (!f) throw new Error(`envoy.yaml: no ${name} filter`);
  return f.typed_config;
};
const transcoder = filter("envoy.filters.http.grpc_json_transcoder") as {
  proto_descriptor: string;
  services: string[];
  print_options: Record<string, boolean>;
  match_incoming_request_route: boolean;
  convert_grpc_status: boolean;
  max_request_body_size: number;
  request_validation_options: Record<string, boolean>;
};
const clusters = new Map(envoy.static_resources.clusters.map((c) => [c.name, c]));

interface Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
}

function stringMatches(value: string | undefined, m: StringMatch | undefined): boolean {
  if (value === undefined) return false;
  if (!m) return true;
  const known = Object.keys(m).filter((k) => k !== "exact" && k !== "prefix");
  if (known.length > 0) throw new Error(`string_match ${known} is not simulated here: extend it`);
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  return true;
}

/** Envoy's route matching, for the features envoy.yaml uses (others fail loudly). */
function matches(match: RouteMatch, req: Request): boolean {
  const unknown = Object.keys(match).filter(
    (k) => !["prefix", "path", "safe_regex", "headers", "query_parameters"].includes(k),
  );
  if (unknown.length > 0)
    throw new Error(`route match ${unknown} is not simulated here: extend it`);
  const [path = "", query = ""] = req.path.split("?", 2);
  if (match.prefix !== undefined && !path.startsWith(match.prefix)) return false;
  if (match.path !== undefined && path !== match.path) return false;
  if (match.safe_regex && !new RegExp(`^(?:${match.safe_regex.regex})$`).test(path)) return false;
  const headers: Record<string, string> = { ...req.headers, ":method": req.method };
  for (const h of match.headers ?? []) {
    const value = headers[h.name.toLowerCase()];
    if (h.present_match === true ? value === undefined : !stringMatches(value, h.string_match)) {
      return false;
    }
  }
  const params = new URLSearchParams(query);
  for (const q of match.query_parameters ?? []) {
    if (!stringMatches(params.get(q.name) ?? undefined, q.string_match)) return false;
  }
  return true;
}

const route = (req: Request) => routes.find((r) => matches(r.match, req));
const catchAll = (r: Route | undefined) =>
  r?.match.prefix === "/" && Object.keys(r.match).length === 1;

/** Every request shape each RPC arrives in at the edge, and where it must go. */
function requestsFor(rpc: Rpc) {
  const path = `/${rpc.service}/${rpc.method}`;
  const grpc = `${rpc.process}_grpc`;
  const connect = `${rpc.process}_connect`;
  const shapes: { label: string; req: Request; cluster: string }[] = [
    {
      label: "gRPC",
      req: { method: "POST", path, headers: { "content-type": "application/grpc" } },
      cluster: grpc,
    },
    {
      label: "gRPC-web",
      req: {
        method: "POST",
        path,
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      },
      cluster: grpc,
    },
  ];
  if (rpc.serverStreaming || rpc.clientStreaming) {
    shapes.push({
      label: "Connect stream",
      req: {
        method: "POST",
        path,
        headers: { "content-type": "application/connect+json", "connect-protocol-version": "1" },
      },
      cluster: connect,
    });
  } else {
    shapes.push({
      label: "Connect unary",
      req: {
        method: "POST",
        path,
        headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      },
      cluster: connect,
    });
    if (rpc.noSideEffects) {
      shapes.push({
        label: "Connect GET",
        req: { method: "GET", path: `${path}?connect=v1&encoding=json&message=%7B%7D` },
        cluster: connect,
      });
    }
  }
  return shapes;
}

describe("deploy/: every YAML file parses", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === ".secrets") continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  walk(deploy());

  it.each(files.map((f) => [relative(root, f), f]))("%s", (_, file) => {
    for (const doc of parseAllDocuments(read(file), { merge: true })) {
      if ("errors" in doc) {
        expect(doc.errors.map((e) => e.message)).toEqual([]);
        expect(doc.warnings.map((e) => e.message)).toEqual([]);
      }
    }
  });
});

describe("Envoy edge (deploy/envoy/envoy.yaml)", () => {
  it("finds the contracts' services in the descriptor image", () => {
    expect(contracts.services.length).toBeGreaterThan(0);
    expect(contracts.processes).toContain("core");
  });

  it("transcodes exactly the glidepath.* services of the descriptor image", () => {
    expect([...transcoder.services].sort()).toEqual(contracts.services);
  });

  it("transcodes with the mapping the local edge must reproduce", () => {
    expect(transcoder.print_options.always_print_primitive_fields).toBe(true);
    expect(transcoder.print_options.preserve_proto_field_names ?? false).toBe(false);
    expect(transcoder.convert_grpc_status).toBe(true);
    // Routing happens on the gRPC path after transcoding, so one route set serves every protocol.
    expect(transcoder.match_incoming_request_route).toBe(false);
    expect(transcoder.request_validation_options.reject_unknown_method).toBe(true);
    expect(transcoder.max_request_body_size).toBe(4 * 1024 * 1024);
  });

  it("reads the descriptor image that compose mounts from packages/contracts", () => {
    const compose = yaml<Compose>(deploy("compose.yaml"));
    const mounts = (compose.services.envoy?.volumes ?? []).map((v) => v.split(":"));
    const image = mounts.find(([, target]) => target === transcoder.proto_descriptor);
    expect(image, `no volume mounted at ${transcoder.proto_descriptor}`).toBeDefined();
    expect(resolve(deploy(), image?.[0] ?? "")).toBe(contractImagePath);
  });

  it("runs the filters in order: CORS, JWT, rate limit, size cap, gRPC-web, transcoder, router", () => {
    const order = hcm.http_filters.map((f) => f.name);
    expect(order).toEqual([
      "envoy.filters.http.cors",
      "envoy.filters.http.jwt_authn",
      "envoy.filters.http.local_ratelimit",
      "envoy.filters.http.buffer",
      "envoy.filters.http.grpc_web",
      "envoy.filters.http.grpc_json_transcoder",
      "envoy.filters.http.router",
    ]);
    expect(filter("envoy.filters.http.buffer").max_request_bytes).toBe(4 * 1024 * 1024);
  });

  it("keeps the admin interface on loopback", () => {
    expect(envoy.admin.address.socket_address.address).toBe("127.0.0.1");
  });

  it.each(contracts.rpcs.filter((r) => !r.internal).map((r) => [`${r.service}/${r.method}`, r]))(
    "routes %s over gRPC, gRPC-web and Connect to its service",
    (_, rpc) => {
      for (const { label, req, cluster } of requestsFor(rpc)) {
        const r = route(req);
        expect(r?.route?.cluster, `${label} ${req.path} → route ${r?.name}`).toBe(cluster);
        // A server stream must not be cut by the unary timeout.
        if (rpc.serverStreaming) expect(r?.route?.timeout, `${label} stream timeout`).toBe("0s");
        else expect(r?.route?.timeout, `${label} unary timeout`).not.toBe("0s");
      }
    },
  );

  const internalRpcs = contracts.rpcs.filter((r) => r.internal);
  it.each(internalRpcs.map((r) => [`${r.service}/${r.method}`, r]))(
    "keeps internal-only %s off the public edge (404 on every protocol, no REST binding)",
    (_, rpc) => {
      expect(rpc.rules, "an internal method has no google.api.http binding").toEqual([]);
      expect(transcoder.services).not.toContain(rpc.service);
      for (const { label, req } of requestsFor(rpc)) {
        const r = route(req);
        expect(r?.route, `${label} ${req.path} reaches a cluster`).toBeUndefined();
        expect(r?.direct_response?.status, `${label} ${req.path}`).toBe(404);
      }
    },
  );

  it("never lets a public request carry a service identity", () => {
    for (const host of hcm.route_config.virtual_hosts) {
      expect(host.request_headers_to_remove ?? []).toContain("x-glidepath-service-token");
    }
  });

  const restRules = contracts.rpcs.flatMap((rpc) => rpc.rules.map((rule) => ({ rpc, ...rule })));
  it("finds google.api.http bindings in the image", () => {
    expect(restRules.length).toBeGreaterThan(0);
  });

  it.each(restRules.map((r) => [`${r.verb} ${r.template}`, r]))(
    "routes REST %s to the transcoder, then to its service",
    (_, rule) => {
      const req = {
        method: rule.verb,
        path: examplePath(rule.template),
        headers: { "content-type": "application/json" },
      };
      const before = route(req);
      expect(before, `${req.method} ${req.path}`).toBeDefined();
      expect(catchAll(before), `${req.method} ${req.path} only reaches the catch-all`).toBe(false);
      expect(before?.typed_per_filter_config?.["envoy.filters.http.local_ratelimit"]).toBeDefined();
      // After transcoding, the request is gRPC on the method's path.
      const after = route({
        method: "POST",
        path: `/${rule.rpc.service}/${rule.rpc.method}`,
        headers: { "content-type": "application/grpc" },
      });
      expect(after?.route?.cluster).toBe(`${rule.rpc.process}_grpc`);
    },
  );

  it("puts every route but the catch-all in a rate-limit class", () => {
    for (const r of routes.filter((x) => !catchAll(x))) {
      const limit = r.typed_per_filter_config?.["envoy.filters.http.local_ratelimit"] as
        | { token_bucket?: object; filter_enforced?: object }
        | undefined;
      expect(limit?.token_bucket, `route ${r.name}`).toBeDefined();
      expect(limit?.filter_enforced, `route ${r.name}`).toBeDefined();
    }
  });

  it("keeps the transcoder off Connect routes (it would 404 them)", () => {
    for (const r of routes.filter((x) => x.route?.cluster?.endsWith("_connect"))) {
      const t = r.typed_per_filter_config?.["envoy.filters.http.grpc_json_transcoder"];
      expect(t?.disabled, `route ${r.name}`).toBe(true);
    }
  });

  it("requires a valid token on every public request, except CORS preflights", () => {
    const jwt = filter("envoy.filters.http.jwt_authn") as {
      providers: Record<
        string,
        {
          forward?: boolean;
          issuer: string;
          audiences: string[];
          remote_jwks?: { http_uri: { uri: string; cluster: string } };
        }
      >;
      rules: { match: RouteMatch; requires?: unknown }[];
      bypass_cors_preflight?: boolean;
    };
    expect(jwt.bypass_cors_preflight).toBe(true);
    for (const provider of Object.values(jwt.providers)) {
      expect(provider.forward, "services re-verify the token").toBe(true);
      expect(provider.remote_jwks?.http_uri.uri).toMatch(/^https?:\/\//);
    }
    const paths = [
      ...contracts.rpcs.map((r) => `/${r.service}/${r.method}`),
      ...restRules.map((r) => examplePath(r.template)),
    ];
    for (const path of paths) {
      const rule = jwt.rules.find((r) => matches(r.match, { method: "POST", path }));
      expect(rule?.requires, path).toBeDefined();
    }
    // Envoy and the services accept the same tokens.
    const compose = yaml<Compose>(deploy("compose.yaml"));
    const env = compose.services.core?.environment ?? {};
    const provider = Object.values(jwt.providers)[0];
    expect(provider?.issuer).toBe(env.AUTH_ISSUER);
    expect(provider?.audiences).toContain(env.AUTH_AUDIENCE);
    expect(provider?.remote_jwks?.http_uri.uri).toBe(env.AUTH_JWKS_URL);
  });

  it("sends each service's clusters to its gRPC and Connect ports over HTTP/2, health-checked", () => {
    const image = read(deploy("Dockerfile"));
    const port = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(image)?.[1]);
    for (const process of contracts.processes) {
      for (const [suffix, p] of [
        ["grpc", port("GRPC_PORT")],
        ["connect", port("HTTP_PORT")],
      ] as const) {
        const c = clusters.get(`${process}_${suffix}`);
        expect(c, `cluster ${process}_${suffix}`).toBeDefined();
        const http2 =
          c?.typed_extension_protocol_options?.[
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
          ]?.explicit_http_config?.http2_protocol_options;
        expect(http2, `${process}_${suffix} speaks HTTP/2`).toBeDefined();
        expect(c?.health_checks?.[0]?.grpc_health_check).toBeDefined();
        const addresses = c?.load_assignment.endpoints.flatMap((e) =>
          e.lb_endpoints.map((l) => l.endpoint.address.socket_address),
        );
        expect(addresses).toEqual([{ address: process, port_value: p }]);
      }
    }
  });

  it("defines every cluster it refers to", () => {
    const referred = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if ((k === "cluster" || k === "cluster_name") && typeof v === "string") referred.add(v);
          else walk(v);
        }
      }
    };
    walk(envoy.static_resources.listeners);
    walk(hcm.tracing);
    for (const name of referred) expect(clusters.has(name), `cluster ${name}`).toBe(true);
  });
});

// --- Prometheus ----------------------------------------------------------------------------------

interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: {
    job_name: string;
    metrics_path?: string;
    static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  }[];
}
interface AlertRules {
  groups: {
    name: string;
    rules: {
      alert?: string;
      record?: string;
      expr: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}
interface RuleTests {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe("Prometheus (deploy/prometheus)", () => {
  const config = yaml<PrometheusConfig>(deploy("prometheus", "prometheus.yml"));
  const rules = yaml<AlertRules>(deploy("prometheus", "alerts.yml"));
  const tests = yaml<RuleTests>(deploy("prometheus", "alerts.test.yml"));
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
  const metricsPort = /METRICS_PORT=(\d+)/.exec(read(deploy("Dockerfile")))?.[1];

  it.each(contracts.processes)(
    "scrapes %s's metrics port, labelled with its service",
    (process) => {
      const jobs = config.scrape_configs.filter((j) =>
        (j.static_configs ?? []).some(
          (s) => s.targets.includes(`${process}:${metricsPort}`) && s.labels?.service === process,
        ),
      );
      expect(jobs.map((j) => j.metrics_path ?? "/metrics")).toEqual(["/metrics"]);
    },
  );

  it("loads the alert rules", () => {
    expect(config.rule_files).toContain("alerts.yml");
    expect(tests.rule_files).toEqual(["alerts.yml"]);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
  });

  it("alerts only on metrics the runtime exports", () => {
    const source = read(join(root, "packages", "runtime", "src", "metrics.ts"));
    const exported = new Set<string>(["up"]);
    for (const [, kind, name] of source.matchAll(
      /create(Counter|Histogram|Gauge|UpDownCounter)\(\s*"([a-z_]+)"/g,
    )) {
      if (kind === "Counter") exported.add(`${name}_total`);
      else if (kind === "Histogram")
        for (const s of ["_bucket", "_sum", "_count"]) exported.add(`${name}${s}`);
      else exported.add(name ?? "");
    }
    for (const rule of alerts) {
      for (const [metric] of rule.expr.matchAll(/\bglidepath_[a-z_]+/g)) {
        expect(exported, `${rule.alert} uses ${metric}`).toContain(metric);
      }
    }
  });

  it.each(alerts.map((a) => [a.alert ?? "", a]))(
    "%s has a severity, a summary, a runbook, and promtool cases that fire and that don't",
    (name, alert) => {
      expect(alert.labels?.severity).toMatch(/^(page|warning)$/);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.runbook).toBeTruthy();
      // Per scenario (a test's input series): the expected alerts at each evaluation time.
      const scenarios = tests.tests
        .map((t) => (t.alert_rule_test ?? []).filter((c) => c.alertname === name))
        .filter((cases) => cases.length > 0);
      const fires = (cases: { exp_alerts?: unknown[] }[]) =>
        cases.some((c) => (c.exp_alerts ?? []).length > 0);
      expect(scenarios.some(fires), `a scenario where ${name} fires`).toBe(true);
      // Not just the pending phase of a firing scenario: one where it never fires.
      expect(
        scenarios.some((cases) => !fires(cases)),
        `a scenario where ${name} stays quiet`,
      ).toBe(true);
    },
  );

  const promtool = (() => {
    try {
      execFileSync("promtool", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(promtool)("passes promtool check config, check rules and test rules", () => {
    const dir = deploy("prometheus");
    execFileSync("promtool", ["check", "config", "prometheus.yml"], { cwd: dir, stdio: "pipe" });
    execFileSync("promtool", ["check", "rules", "alerts.yml"], { cwd: dir, stdio: "pipe" });
    execFileSync("promtool", ["test", "rules", "alerts.test.yml"], { cwd: dir, stdio: "pipe" });
  });
});

// --- compose -------------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  read_only?: boolean;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, ComposeService | undefined>;
}

describe("compose (deploy/compose.yaml)", () => {
  const compose = yaml<Compose>(deploy("compose.yaml"));

  it("runs PostgreSQL 15, Envoy, the collector, Jaeger and Prometheus", () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:15/);
    for (const s of ["envoy", "otel-collector", "jaeger", "prometheus"]) {
      expect(compose.services[s]?.image, s).toBeTruthy();
    }
  });

  it.each(contracts.processes)("runs %s from deploy/Dockerfile after its migrations", (process) => {
    const service = compose.services[process];
    const migrate = compose.services[`${process}-migrate`];
    for (const s of [service, migrate]) {
      expect(s?.build?.dockerfile).toBe("deploy/Dockerfile");
      expect(resolve(deploy(), s?.build?.context ?? "")).toBe(root);
      expect(s?.build?.args?.SERVICE).toBe(process);
      expect(s?.read_only).toBe(true);
    }
    expect(service?.environment?.MIGRATE_ON_START).toBe("false");
    expect(service?.depends_on?.[`${process}-migrate`]?.condition).toBe(
      "service_completed_successfully",
    );
    expect(migrate?.command).toEqual(["node", "--import", "tsx", "deploy/migrate.mjs", process]);
    // What the image and the migration job run must exist.
    expect(existsSync(join(root, "services", process, "src", "server.ts"))).toBe(true);
    expect(
      existsSync(
        join(root, "services", process, "src", "adapters", "db", "migrations", "index.ts"),
      ),
    ).toBe(true);
  });
});

// --- Kubernetes ----------------------------------------------------------------------------------

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  spec?: any;
}

describe("Kubernetes (deploy/k8s)", () => {
  const kustomization = yaml<{ resources: string[]; images?: { name: string }[] }>(
    deploy("k8s", "kustomization.yaml"),
  );
  const objects: K8sObject[] = kustomization.resources.flatMap((file) =>
    parseAllDocuments(read(deploy("k8s", file)), { merge: true })
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null),
  );
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const deployments = objects.filter((o) => o.kind === "Deployment");

  it("lists only files that exist and holds a Deployment for core", () => {
    for (const file of kustomization.resources)
      expect(existsSync(deploy("k8s", file)), file).toBe(true);
    expect(find("Deployment", "core")).toBeDefined();
    expect(
      objects.some((o) => o.kind === "Secret"),
      "secrets are never committed",
    ).toBe(false);
  });

  it.each(deployments.map((d) => [d.metadata.name, d]))(
    "%s: hardened, probed and drained",
    (name, d) => {
      const pod = d.spec.template.spec;
      const container = pod.containers[0];
      const ports = Object.fromEntries(
        container.ports.map((p: { name: string; containerPort: number }) => [
          p.name,
          p.containerPort,
        ]),
      );
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        expect(container[probe].grpc.port, `${name} ${probe}`).toBe(ports.grpc);
      }

      const configMaps = (container.envFrom ?? []).map(
        (e: { configMapRef: { name: string } }) =>
          find("ConfigMap", e.configMapRef.name)?.data ?? {},
      );
      const env: Record<string, string> = Object.assign({}, ...configMaps);
      for (const e of container.env ?? []) env[e.name] = e.value;
      expect(env.MIGRATE_ON_START).toBe("false");
      expect(Number(env.GRPC_PORT)).toBe(ports.grpc);
      expect(Number(env.HTTP_PORT)).toBe(ports.http);
      expect(Number(env.METRICS_PORT)).toBe(ports.metrics);
      // The runtime refuses X together with X_FILE; every X_FILE must be a mounted file.
      const mounts: string[] = container.volumeMounts.map(
        (m: { mountPath: string }) => m.mountPath,
      );
      for (const [key, value] of Object.entries(env).filter(([k]) => k.endsWith("_FILE"))) {
        expect(env[key.slice(0, -"_FILE".length)], `${key} and its plain variable`).toBeUndefined();
        expect(
          mounts.some((m) => value.startsWith(`${m}/`)),
          `${key}=${value} is mounted`,
        ).toBe(true);
      }
      // SIGTERM arrives after preStop; the drain must end before the kubelet's SIGKILL.
      const preStop = container.lifecycle.preStop.exec.command as string[];
      const preStopSeconds = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
      const graceMs = Number(env.SHUTDOWN_GRACE_MS ?? 10_000);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
        preStopSeconds * 1000 + graceMs + 3000,
      );

      const selector = d.spec.selector.matchLabels as Record<string, string>;
      const selects = (s: Record<string, string>) =>
        Object.entries(s).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
      expect(selects(selector)).toBe(true);
      const service = find("Service", name);
      expect(selects(service?.spec.selector)).toBe(true);
      for (const portName of ["grpc", "http", "metrics"]) {
        expect(
          service?.spec.ports.some(
            (p: { name: string; targetPort: string }) =>
              p.name === portName && p.targetPort === portName,
          ),
          `Service ${name} port ${portName}`,
        ).toBe(true);
      }
      expect(selects(find("PodDisruptionBudget", name)?.spec.selector.matchLabels)).toBe(true);
      expect(find("HorizontalPodAutoscaler", name)?.spec.scaleTargetRef).toMatchObject({
        kind: "Deployment",
        name,
      });
      expect(d.spec.replicas, "the HPA owns the replica count").toBeUndefined();

      const job = find("Job", `${name}-migrate`);
      const jobContainer = job?.spec.template.spec.containers[0];
      expect(jobContainer?.image).toBe(container.image);
      expect(jobContainer?.command).toEqual([
        "node",
        "--import",
        "tsx",
        "deploy/migrate.mjs",
        name,
      ]);
      expect(jobContainer?.securityContext.readOnlyRootFilesystem).toBe(true);
    },
  );

  const kubectl = (() => {
    try {
      execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(kubectl)("renders with kubectl kustomize", () => {
    const out = execFileSync("kubectl", ["kustomize", deploy("k8s")], { encoding: "utf8" });
    const rendered = parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
    expect(rendered.map((o) => o.kind).sort()).toEqual(objects.map((o) => o.kind).sort());
    for (const o of rendered.filter((x) => x.kind !== "Namespace")) {
      expect((o as K8sObject & { metadata: { namespace?: string } }).metadata.namespace).toBe(
        "glidepath",
      );
    }
  });
});
