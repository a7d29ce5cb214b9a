"""The course as data: lessons (content/*.md), their loader, the glossary, the catalogs.

Imports nothing else of `lessons` and never torch: `gradtour list` and `show`,
the Babel extractor and the TUI's first screen load only this package.
"""
