// The glidepath.actions.v1 contracts: the action vocabulary shared by ai, autonomy and learning.

export * from "./gen/glidepath/actions/v1/action_pb.js";
