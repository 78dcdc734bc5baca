"""A whole build, as `make` does one: the story (pipeline), the documents it writes (documents),
what needs rewriting since the last build (incremental) and the -j worker processes (parallel)."""
