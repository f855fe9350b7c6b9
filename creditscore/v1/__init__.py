"""Generated code of the creditscore.v1 gRPC contract."""
