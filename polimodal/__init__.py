"""polimodal: multimodal data and classifiers for political video research.

The package holds all logic of the workflow as plain, typed functions over paths,
tables and arrays. It knows nothing of Snakemake: ``workflow/scripts/*.py`` are thin
adapters that call into it.
"""

__version__ = "0.1.0"
