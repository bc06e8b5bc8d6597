from os import path

from pandas import DataFrame

from mageio.mage import ConfigFileLoader, MySQL, get_repo_path

if "data_exporter" not in globals():
    from mageio.mage.decorators import data_exporter


@data_exporter
def export_data_to_mysql(df: DataFrame, **kwargs) -> None:
    """
    Template for exporting data to a MySQL database.
    Specify your configuration settings in 'io_config.yaml'.

    Docs: https://docs.mage.ai/design/data-loading#mysql
    """
    table_name = "mage_template_orders"  # Specify the name of the table to export data to
    config_path = path.join(get_repo_path(), "io_config.yaml")
    config_profile = "default"

    with MySQL.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            schema_name=None,
            table_name=table_name,
            index=False,  # Specifies whether to include index in exported table
            if_exists="replace",  # Specify resolution policy if table name already exists
        )
