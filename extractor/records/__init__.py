"""Records as files and tables: reading record JSONL (:mod:`.files`) and flattening records into
DataFrames, CSV and Parquet (:mod:`.frames`). Imports only the schemas: the core, the run
machinery and the tools all stand on it."""
