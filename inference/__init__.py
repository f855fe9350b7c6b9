"""Generated code of the KServe V2 / Triton gRPC contract."""
