"""mageio's host API (internal: use the mageio package)"""

from collections.abc import Sequence


class Profile:
    """
    One profile of an io_config.yaml, after env_var templates were rendered. Read keys with profile[key] or profile.get(key); repr() masks every secret.
    """

    @property
    def name(self) -> str:
        """the profile's name, e.g. 'default'"""

    @property
    def file(self) -> str:
        """the file it was read from"""

    def keys(self) -> list[str]:
        """the flat keys of the profile (KEY: value), sorted"""

    def sections(self) -> dict:
        """the nested ("verbose") sections, e.g. {'PostgreSQL': {'host': ...}}"""

    def get(self, key: str, default: object | None = None) -> object:
        """
        the value of a flat key as a string, or `default` when the profile has no such key or its env_var is unset
        """

    def __getitem__(self, key: str) -> object: ...

    def __contains__(self, arg: str, /) -> bool: ...

    def __repr__(self) -> str: ...

    def with_settings(self, settings: dict) -> Profile:
        """a copy with these flat keys set (values are turned into strings)"""

    @staticmethod
    def empty(name: str = 'default') -> Profile:
        """a profile with no keys (no io_config.yaml)"""

class IoConfig:
    """An io_config.yaml: IoConfig.load(path), then .profile(name)."""

    @staticmethod
    def load(path: str) -> IoConfig:
        """
        reads and renders a file; mageio.NotFoundError when it does not exist, mageio.InvalidArgumentError for YAML or template errors (with the line)
        """

    @staticmethod
    def parse(text: str, label: str = '<string>') -> IoConfig:
        """the same from text; `label` is what messages call the file"""

    @property
    def file(self) -> str: ...

    def profile_names(self) -> list[str]: ...

    def __contains__(self, arg: str, /) -> bool: ...

    def profile(self, name: str = 'default') -> Profile:
        """the profile; mageio.NotFoundError naming the profiles the file has"""

    def __repr__(self) -> str: ...

ABI_VERSION: int = 1001000

def set_log_handler(handler: object) -> None: ...

def plugins(plugin_dirs: Sequence[str] = []) -> list: ...

def rejections(plugin_dirs: Sequence[str] = []) -> list: ...

def search_path(plugin_dirs: Sequence[str] = []) -> list: ...

class Reader:
    def schema(self) -> object: ...

    def next_batch(self, progress: object | None = None) -> object: ...

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

    @property
    def rows_read(self) -> int: ...

    @property
    def consumed(self) -> bool: ...

    @property
    def label(self) -> str: ...

    def close(self) -> None: ...

class Connector:
    @staticmethod
    def open(plugin: str, profile: Profile, plugin_dirs: Sequence[str], isolate: bool = False, timeout: float | None = None) -> Connector: ...

    @property
    def plugin_name(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    def load(self, query: str, table: str, schema: str, path: str, limit: int | None, batch_rows: int | None, options: object | None, progress: object | None) -> Reader: ...

    def export(self, capsule: object, table: str, schema: str, path: str, if_exists: str, unique_constraints: Sequence[str], unique_conflict_method: str, options: object | None, progress: object | None) -> int: ...

    def load_partitioned(self, query: str, table: str, schema: str, path: str, limit: int | None, batch_rows: int | None, options: object | None, partitions: int, partition_on: str, lower_bound: object | None, upper_bound: object | None, unordered: bool, progress: object | None) -> Reader: ...

    def plan_partitions(self, query: str, table: str, schema: str, path: str, limit: int | None, batch_rows: int | None, options: object | None, partitions: int, partition_on: str, lower_bound: object | None, upper_bound: object | None) -> list[str]: ...

    def load_partition(self, descriptor: str, progress: object | None) -> Reader: ...

    def execute(self, sql: str) -> object: ...

    def execute_queries(self, queries: Sequence[str]) -> int: ...

    def table_exists(self, table: str, schema: str) -> bool: ...

    def path_exists(self, path: str) -> bool: ...

    def sample(self, table: str, schema: str, rows: int) -> Reader: ...

    def alter_table(self, table: str, schema: str, action: str, column: str, new_name: str, type: str) -> None: ...

    def close(self) -> None: ...

def copy(source: Connector, destination: Connector, query: str, table: str, schema: str, path: str, limit: int | None, options: object | None, to_table: str, to_schema: str, to_path: str, if_exists: str, unique_constraints: Sequence[str], unique_conflict_method: str, to_options: object | None, progress: object | None, partitions: int, partition_on: str) -> int: ...
