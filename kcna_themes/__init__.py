"""kcna-themes: tag North Korean state-media articles with propaganda themes."""

__version__ = "0.1.0"
