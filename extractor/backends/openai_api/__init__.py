"""The model backend's parts, for any OpenAI-compatible endpoint (the only package that imports
openai or instructor): :mod:`.requests` (what is asked), :mod:`.answers` (each draft validated on
its own), :mod:`.client` (instructor's ``create``), :mod:`.transport` and :mod:`.faults` (what
is retried, what stops the run), :mod:`.batch` (batch files and the Batches API). The backend
itself is :class:`extractor.backends.openai_backend.OpenAIBackend`."""
