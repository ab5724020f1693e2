"""The task-centred core: segmentation, tasks and typed fields, grounding, planning and
assembling records. Never imports a backend implementation or an engine."""
