"""align: sentence alignment, translation memories and divergence reports for translated documents."""

__version__ = "0.2.0"
