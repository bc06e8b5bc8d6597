from os import path

from pandas import DataFrame

from mageio.mage import ConfigFileLoader, Postgres, get_repo_path

if "data_exporter" not in globals():
    from mageio.mage.decorators import data_exporter


@data_exporter
def export_data_to_postgres(df: DataFrame, **kwargs) -> None:
    """
    Template for exporting data to a PostgreSQL database.
    Specify your configuration settings in 'io_config.yaml'.

    Docs: https://docs.mage.ai/design/data-loading#postgresql
    """
    schema_name = "mage_templates"  # Specify the name of the schema to export data to
    table_name = "orders"  # Specify the name of the table to export data to
    config_path = path.join(get_repo_path(), "io_config.yaml")
    config_profile = "default"

    with Postgres.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            schema_name,
            table_name,
            index=False,  # Specifies whether to include index in exported table
            if_exists="replace",  # Specify resolution policy if table name already exists
        )
