// The glidepath.ai.v1 contracts (generated code lives in ./gen).

export * from "./gen/glidepath/ai/v1/model_pb.js";
export * from "./gen/glidepath/ai/v1/model_service_pb.js";
export * from "./gen/glidepath/ai/v1/quick_add_service_pb.js";
export * from "./gen/glidepath/ai/v1/suggestion_pb.js";
export * from "./gen/glidepath/ai/v1/suggestion_service_pb.js";
export * from "./gen/glidepath/ai/v1/task_draft_pb.js";
export * from "./gen/glidepath/ai/v1/task_query_pb.js";
export * from "./gen/glidepath/ai/v1/task_search_service_pb.js";
