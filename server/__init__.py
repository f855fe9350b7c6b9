"""Low-latency gRPC scoring server (onnxruntime) for the credit-decision model."""
