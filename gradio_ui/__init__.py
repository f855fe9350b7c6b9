"""Advisors' web app (Gradio), a client of the gRPC API."""
