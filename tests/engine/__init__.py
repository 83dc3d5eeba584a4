"""Test-side stand-in for the Pulumi engine, driving the real Python dynamic-provider plugin."""
