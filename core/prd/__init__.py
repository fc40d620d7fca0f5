"""PRD import: a Markdown product document becomes a previewable, committable task graph."""
