"""Running the core over many documents: inputs, the run loop, crash-safe output, engines."""
