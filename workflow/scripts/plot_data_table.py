"""Snakemake adapter: the data table as a figure."""

from typing import TYPE_CHECKING

import pandas as pd

from polimodal.experiments.plots import plot_data_table
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
plot_data_table(pd.read_csv(snakemake.input.csv, keep_default_na=False), snakemake.output.png)
