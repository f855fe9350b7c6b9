"""Protobuf ↔ domain converters of the gRPC servicers (one module per family of RPCs)."""
