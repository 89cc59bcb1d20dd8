"""The model's function tools: one module per tool, workspace confinement, the registry."""
