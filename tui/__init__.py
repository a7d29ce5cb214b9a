"""gradtour's terminal UI (Textual). Never imports torch."""

__version__ = "0.1.0"
