"""kcna-themes: tag North Korean state-media articles with propaganda themes.

    import kcna_themes
    model = kcna_themes.load_model()
    model.predict(["Respected Comrade Kim Jong Un Inspects Construction Site ..."])
"""

__version__ = "0.1.0"
__all__ = ["Model", "load_model", "__version__"]


def __getattr__(name: str):
    # the front door is imported on first use, so `kcna-themes --help` stays quick
    if name in ("Model", "load_model"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kcna_themes' has no attribute {name!r}")
