from pandas import DataFrame

from mageio.mage import FileIO

if "data_exporter" not in globals():
    from mageio.mage.decorators import data_exporter


@data_exporter
def export_data_to_file(df: DataFrame, **kwargs) -> None:
    """
    Template for exporting data to filesystem.

    Docs: https://docs.mage.ai/design/data-loading#fileio
    """
    filepath = "orders.csv"
    FileIO().export(df, filepath)
