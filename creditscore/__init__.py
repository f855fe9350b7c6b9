"""Generated protobuf / gRPC code of the creditscore contract (see protos/)."""
