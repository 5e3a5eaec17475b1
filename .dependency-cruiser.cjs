// The layering of shared/STYLE.md, checked in CI (`npm run layers`):
// domain ← app ← adapters ← main; services don't import each other; packages don't import services.
const transport = [
  "(^|/)node_modules/(@bufbuild|@connectrpc|@grpc|@mikro-orm|pg|pino|@opentelemetry|knex)/",
  "^packages/(runtime|contracts)/",
];

module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "src/domain holds pure logic: no app, adapters, wiring, transport, ORM or I/O.",
      severity: "error",
      from: { path: "^services/[^/]+/src/domain/", pathNot: "\\.test\\.ts$" },
      to: {
        pathNot: "^services/[^/]+/src/domain/",
        path: [...transport, "^services/[^/]+/src/(app|adapters|main|server|config)"],
      },
    },
    {
      name: "domain-no-io-modules",
      severity: "error",
      from: { path: "^services/[^/]+/src/domain/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"], path: "^(fs|net|http|http2|child_process|dgram)$" },
    },
    {
      name: "app-uses-ports-only",
      comment: "use cases depend on the domain and on ports, never on adapters or transport.",
      severity: "error",
      from: { path: "^services/[^/]+/src/app/", pathNot: "\\.test\\.ts$" },
      to: { path: [...transport, "^services/[^/]+/src/(adapters|main|server)"] },
    },
    {
      name: "adapters-not-wiring",
      severity: "error",
      from: { path: "^services/[^/]+/src/adapters/" },
      to: { path: "^services/[^/]+/src/(main|server)" },
    },
    {
      name: "no-cross-service-imports",
      comment: "a service calls another through its RPCs, never its code.",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/([^/]+)/", pathNot: "^services/$1/" },
    },
    {
      name: "packages-not-services",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^services/" },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)src/gen/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
