"""What reporting answers: each query checks who may see it and returns a typed view."""
