from os import path

from mageio.mage import ConfigFileLoader, Postgres, get_repo_path

if "data_loader" not in globals():
    from mageio.mage.decorators import data_loader
if "test" not in globals():
    from mageio.mage.decorators import test


@data_loader
def load_data_from_postgres(*args, **kwargs):
    """
    Template for loading data from a PostgreSQL database.
    Specify your configuration settings in 'io_config.yaml'.

    Docs: https://docs.mage.ai/design/data-loading#postgresql
    """
    query = "SELECT * FROM mage_templates.orders ORDER BY id"  # Specify your SQL query here
    config_path = path.join(get_repo_path(), "io_config.yaml")
    config_profile = "default"

    with Postgres.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        return loader.load(query)


@test
def test_output(output, *args) -> None:
    """
    Template code for testing the output of the block.
    """
    assert output is not None, "The output is undefined"
