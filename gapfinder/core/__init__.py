"""What two or more pipelines share, written once: project discovery, pytest settings, git, source
reading, symbols, usage inference, and file writing. Nothing here imports a pipeline."""
