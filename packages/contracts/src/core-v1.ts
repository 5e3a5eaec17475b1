// The glidepath.core.v1 contracts (generated code lives in ./gen).

export * from "./gen/glidepath/core/v1/change_pb.js";
export * from "./gen/glidepath/core/v1/change_service_pb.js";
export * from "./gen/glidepath/core/v1/internal_change_service_pb.js";
export * from "./gen/glidepath/core/v1/member_service_pb.js";
export * from "./gen/glidepath/core/v1/project_pb.js";
export * from "./gen/glidepath/core/v1/project_service_pb.js";
export * from "./gen/glidepath/core/v1/task_pb.js";
export * from "./gen/glidepath/core/v1/task_service_pb.js";
export * from "./gen/glidepath/core/v1/workspace_pb.js";
export * from "./gen/glidepath/core/v1/workspace_service_pb.js";
