"""align: sentence alignment, translation memories and divergence reports for translated documents."""

__version__ = "0.1.0"
