"""mageio.mage's Parquet support: FileIO on local Parquet files, and Mage's object-store classes S3,
GoogleCloudStorage and AzureBlobStorage through the parquet plugin, against the emulators that
tools/with-test-servers.sh starts (moto, Azurite, fake-gcs-server; CI=true: a missing one fails)."""

import decimal
import importlib.util
import json
import os
import pathlib
import urllib.parse
import urllib.request
import uuid

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import _need

import mageio
from mageio.mage import S3, AzureBlobStorage, ConfigFileLoader, FileIO, GoogleCloudStorage


def _frame():
    """Integers with a NULL (Int64 must stay Int64), strings, timestamps and decimals."""
    return pd.DataFrame(
        {
            "id": pd.array([1, None, 3, -(2**62)], dtype="Int64"),
            "name": ["ann", None, "zoë", ""],
            "at": pd.to_datetime(
                ["2024-01-01 10:00:00.123456", None, "1999-12-31 23:59:59.000000", "2024-02-29 00:00:00.000001"]
            ),
            "amount": [decimal.Decimal("9.99"), None, decimal.Decimal("-1234.50"), decimal.Decimal("0.01")],
        }
    )


def _check_round_trip(got):
    want = _frame()
    assert list(got.columns) == list(want.columns)
    assert str(got["id"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(got["at"].dtype)
    for name in want.columns:
        g = [None if pd.isna(v) else v for v in got[name].tolist()]
        w = [None if pd.isna(v) else v for v in want[name].tolist()]
        assert g == w, name
    assert all(isinstance(v, decimal.Decimal) for v in got["amount"].dropna())


def _unique(what):
    return f"mageio-py-{what}-{uuid.uuid4().hex[:10]}"


def _yaml(path, keys):
    """An io_config.yaml with one profile, values as env_var templates (as a Mage project writes them)."""
    lines = ["version: 0.1.1", "default:"]
    for key, value in keys.items():
        if value.startswith("env:"):
            lines.append(f"  {key}: \"{{{{ env_var('{value[4:]}') }}}}\"")
        else:
            lines.append(f"  {key}: {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")
    return path


# --- FileIO, local Parquet -------------------------------------------------------------------------


def test_fileio_parquet_round_trip(tmp_path):
    target = tmp_path / "t.parquet"
    FileIO().export(_frame(), target)
    _check_round_trip(FileIO().load(target))
    # A real Parquet file, readable by others, with the decimal as a decimal.
    assert pa.types.is_decimal(pq.read_schema(target).field("amount").type)
    # format='parquet' for another extension; replace leaves no temporary file behind.
    FileIO().export(_frame().head(2), tmp_path / "t.data", format="parquet", compression="zstd")
    FileIO().export(_frame(), tmp_path / "t.data", format="parquet", compression=None, row_group_size=2)
    _check_round_trip(FileIO().load(tmp_path / "t.data", format="parquet"))
    assert pq.ParquetFile(tmp_path / "t.data").metadata.num_row_groups == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.data", "t.parquet"]  # no temporary file left
    # Only some columns (pushed into the reader); .pq is Parquet too.
    FileIO().export(_frame(), tmp_path / "t.pq")
    assert list(FileIO().load(tmp_path / "t.pq", columns=["name", "id"]).columns) == ["name", "id"]
    # file_directories: every file under the directories, Parquet and CSV alike, concatenated.
    (tmp_path / "d" / "sub").mkdir(parents=True)
    FileIO().export(_frame(), tmp_path / "d" / "a.parquet")
    FileIO().export(_frame(), tmp_path / "d" / "sub" / "b.pq")
    both = FileIO().load(file_directories=[str(tmp_path / "d")])
    assert len(both) == 8 and str(both["id"].dtype) == "Int64"
    # The other formats are as they were.
    FileIO().export(pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}), tmp_path / "c.csv")
    assert str(FileIO().load(tmp_path / "c.csv")["a"].dtype) == "Int64"


def test_fileio_parquet_errors(tmp_path):
    with pytest.raises(mageio.NotSupportedError, match="parquet"):
        FileIO().export(_frame(), tmp_path / "t.hdf5")
    with pytest.raises(mageio.NotFoundError, match="missing.parquet"):
        FileIO().load(tmp_path / "missing.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet\n")
    with pytest.raises(mageio.Error, match="bad.parquet"):
        FileIO().load(tmp_path / "bad.parquet")
    with pytest.raises(TypeError, match="unexpected keyword"):
        FileIO().export(_frame(), tmp_path / "t.parquet", engine="pyarrow")
    # A failed export leaves the old file as it was.
    FileIO().export(_frame(), tmp_path / "t.parquet")
    with pytest.raises(mageio.Error, match="compression"):
        FileIO().export(_frame().head(1), tmp_path / "t.parquet", compression="lz0")
    _check_round_trip(FileIO().load(tmp_path / "t.parquet"))


# --- S3 (moto) -------------------------------------------------------------------------------------


@pytest.fixture
def s3_env():
    _need("MAGEIO_TEST_S3_ENDPOINT", "the S3 emulator (moto)")
    return {
        "AWS_ACCESS_KEY_ID": "env:MAGEIO_TEST_S3_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY": "env:MAGEIO_TEST_S3_SECRET_ACCESS_KEY",
        "AWS_REGION": "env:MAGEIO_TEST_S3_REGION",
        "AWS_ENDPOINT": os.environ["MAGEIO_TEST_S3_ENDPOINT"],
    }


def _s3_bucket():
    bucket = _unique("s3")
    url = os.environ["MAGEIO_TEST_S3_ENDPOINT"].rstrip("/") + "/" + bucket
    urllib.request.urlopen(urllib.request.Request(url, method="PUT"), timeout=30)  # moto: unsigned is fine
    return bucket


def test_s3_round_trip_with_config(s3_env, tmp_path, capsys):
    bucket = _s3_bucket()
    config = ConfigFileLoader(_yaml(tmp_path / "io_config.yaml", s3_env), "default")
    s3 = S3.with_config(config, verbose=True)
    assert not s3.exists(bucket, "data/t.parquet")
    s3.export(_frame(), bucket, "data/t.parquet")
    assert s3.exists(bucket, "data/t.parquet")
    assert s3.exists(bucket, "data")  # a prefix holding Parquet objects
    _check_round_trip(s3.load(bucket, "data/t.parquet"))
    assert len(s3.load(bucket, "data/t.parquet", limit=2)) == 2
    assert list(s3.load(bucket, "data/t.parquet", columns=["amount"]).columns) == ["amount"]
    # Replace: the object is the new one.
    s3.export(_frame().head(1), bucket, "data/t.parquet", format="parquet")
    assert len(s3.load(bucket, "data/t.parquet")) == 1
    # A dataset prefix ending in '/'.
    s3.export(_frame(), bucket, "data/t.parquet")
    _check_round_trip(s3.load(bucket, "data/"))
    # The secret is never shown.
    secret = os.environ["MAGEIO_TEST_S3_SECRET_ACCESS_KEY"]
    assert secret not in repr(s3)
    assert "AWS_SECRET_ACCESS_KEY=****" in repr(s3)
    err = capsys.readouterr().err
    assert f"Exported 4 rows to s3://{bucket}/data/t.parquet" in err and "Loaded 2 rows" in err
    assert secret not in err


def test_s3_constructor_and_dict_config(s3_env):
    bucket = _s3_bucket()
    direct = S3(
        aws_access_key_id=os.environ["MAGEIO_TEST_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["MAGEIO_TEST_S3_SECRET_ACCESS_KEY"],
        region_name=os.environ["MAGEIO_TEST_S3_REGION"],
        endpoint_url=os.environ["MAGEIO_TEST_S3_ENDPOINT"],
    )
    direct.export(_frame(), bucket, "a.pq")
    keys = {k: os.environ[v[4:]] if v.startswith("env:") else v for k, v in s3_env.items()}
    _check_round_trip(S3.with_config(keys).load(bucket, "a.pq"))
    with pytest.raises(TypeError, match="unexpected keyword"):
        S3(aws_secret_key="x")


def test_s3_errors(s3_env):
    keys = {k: os.environ[v[4:]] if v.startswith("env:") else v for k, v in s3_env.items()}
    s3 = S3.with_config(keys)
    missing = _unique("nobucket")
    with pytest.raises(mageio.Error, match=f"s3://{missing}/t.parquet") as error:
        s3.load(missing, "t.parquet")
    assert "NoSuchBucket" in str(error.value) or "not found" in str(error.value).lower()
    with pytest.raises(mageio.Error, match=f"s3://{missing}/t.parquet"):
        s3.export(_frame(), missing, "t.parquet")
    bucket = _s3_bucket()
    with pytest.raises(mageio.NotFoundError, match=f"s3://{bucket}/nothing.parquet"):
        s3.load(bucket, "nothing.parquet")
    for key in ("t.csv", "t.json", "t"):
        with pytest.raises(mageio.NotSupportedError, match="Parquet"):
            s3.export(_frame(), bucket, key)
    with pytest.raises(mageio.NotSupportedError, match="'csv' is not supported"):
        s3.load(bucket, "t.parquet", format="csv")
    with pytest.raises(ValueError, match="bucket_name"):
        s3.load("", "t.parquet")
    with pytest.raises(TypeError, match="columns"):
        s3.load(bucket, "t.parquet", nrows=3)


# --- Azure Blob (Azurite) --------------------------------------------------------------------------


def _azure_container():
    path = pathlib.Path(__file__).resolve().parents[1] / "parquet" / "azure_blob.py"
    spec = importlib.util.spec_from_file_location("mageio_test_azure_blob", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    name = _unique("az")
    module.create_container(name)
    return name


@pytest.fixture
def azure_env():
    _need("MAGEIO_TEST_AZURE_ENDPOINT", "the Azure Blob emulator (Azurite)")
    return {
        "AZURE_STORAGE_ACCOUNT_NAME": "env:MAGEIO_TEST_AZURE_ACCOUNT",
        "AZURE_STORAGE_ACCOUNT_KEY": "env:MAGEIO_TEST_AZURE_KEY",
        "AZURE_ENDPOINT": os.environ["MAGEIO_TEST_AZURE_ENDPOINT"],
    }


def test_azure_round_trip_with_config(azure_env, tmp_path):
    container = _azure_container()
    config = ConfigFileLoader(_yaml(tmp_path / "io_config.yaml", azure_env), "default")
    azure = AzureBlobStorage.with_config(config)
    assert not azure.exists(container, "dir/t.parquet")
    azure.export(_frame(), container, "dir/t.parquet")
    assert azure.exists(container, "dir/t.parquet")
    _check_round_trip(azure.load(container, "dir/t.parquet"))
    assert len(azure.load(container, "dir/t.parquet", limit=1)) == 1
    azure.export(_frame().head(3), container, "dir/t.parquet")
    assert len(azure.load(container, "dir/t.parquet")) == 3
    key = os.environ["MAGEIO_TEST_AZURE_KEY"]
    assert key not in repr(azure) and "AZURE_STORAGE_ACCOUNT_KEY=****" in repr(azure)


def test_azure_errors(azure_env):
    keys = {k: os.environ[v[4:]] if v.startswith("env:") else v for k, v in azure_env.items()}
    container = _azure_container()
    AzureBlobStorage.with_config(keys).export(_frame(), container, "t.parquet")
    # A wrong account key: the store refuses, the error names the path and never the key.
    wrong_key = "bWFnZWlvLXdyb25nLWtleS1tYWdlaW8td3Jvbmcta2V5LTEyMzQ="
    wrong = AzureBlobStorage.with_config({**keys, "AZURE_STORAGE_ACCOUNT_KEY": wrong_key})
    with pytest.raises(mageio.Error, match=f"az://{container}/t.parquet") as error:
        wrong.load(container, "t.parquet")
    assert wrong_key not in str(error.value) and keys["AZURE_STORAGE_ACCOUNT_KEY"] not in str(error.value)
    with pytest.raises(mageio.Error, match=f"az://{container}/u.parquet"):
        wrong.export(_frame(), container, "u.parquet")
    # A missing container.
    missing = _unique("nocontainer")
    with pytest.raises(mageio.Error, match=f"az://{missing}/t.parquet"):
        AzureBlobStorage.with_config(keys).load(missing, "t.parquet")
    with pytest.raises(mageio.Error, match=f"az://{missing}/t.parquet"):
        AzureBlobStorage.with_config(keys).export(_frame(), missing, "t.parquet")
    # Mage's rule: with_config needs the storage account.
    with pytest.raises(ValueError, match="AZURE_STORAGE_ACCOUNT_NAME"):
        AzureBlobStorage.with_config({"AZURE_STORAGE_ACCOUNT_KEY": keys["AZURE_STORAGE_ACCOUNT_KEY"]})
    with pytest.raises(mageio.NotSupportedError, match="Parquet"):
        AzureBlobStorage.with_config(keys).load(container, "t.csv")


# --- Google Cloud Storage (fake-gcs-server) --------------------------------------------------------

# A service account key for the emulator, which checks none (no OAuth).
_GCS_KEY = {
    "disable_oauth": True,
    "client_email": "mageio-test@example.invalid",
    "private_key": "",
    "private_key_id": "mageio-test-key-id",
}


def _gcs(method, path, data=b"", content_type="application/json"):
    url = os.environ["MAGEIO_TEST_GCS_ENDPOINT"].rstrip("/") + path
    request = urllib.request.Request(url, method=method, data=data, headers={"Content-Type": content_type})
    urllib.request.urlopen(request, timeout=30)


@pytest.fixture
def gcs_env():
    _need("MAGEIO_TEST_GCS_ENDPOINT", "the GCS emulator (fake-gcs-server)")
    return {"GOOGLE_SERVICE_ACC_KEY": json.dumps(_GCS_KEY), "GOOGLE_ENDPOINT": os.environ["MAGEIO_TEST_GCS_ENDPOINT"]}


def test_gcs_load_with_config(gcs_env, tmp_path):
    # fake-gcs-server has no XML API, which object_store's GCS client writes with (plugins/parquet/README.md):
    # the object is uploaded through the emulator's JSON API, and the class reads it.
    bucket = _unique("gcs")
    _gcs("POST", "/storage/v1/b?project=mageio", json.dumps({"name": bucket}).encode())
    FileIO().export(_frame(), tmp_path / "t.parquet")
    name = urllib.parse.quote("dir/t.parquet", safe="")
    _gcs(
        "POST",
        f"/upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}",
        (tmp_path / "t.parquet").read_bytes(),
        "application/octet-stream",
    )
    config = ConfigFileLoader(_yaml(tmp_path / "io_config.yaml", gcs_env), "default")
    gcs = GoogleCloudStorage.with_config(config)
    _check_round_trip(gcs.load(bucket, "dir/t.parquet"))
    assert len(gcs.load(bucket, "dir/t.parquet", limit=3)) == 3
    assert gcs.exists(bucket, "dir/t.parquet") and not gcs.exists(bucket, "dir/u.parquet")
    _check_round_trip(GoogleCloudStorage.with_config(gcs_env).load(bucket, "dir/"))
    direct = GoogleCloudStorage(credentials_mapping=_GCS_KEY, GOOGLE_ENDPOINT=gcs_env["GOOGLE_ENDPOINT"])
    _check_round_trip(direct.load(bucket, "dir/t.parquet"))
    assert "GOOGLE_SERVICE_ACC_KEY=****" in repr(gcs) and "private_key_id" not in repr(direct)


def test_gcs_errors(gcs_env):
    gcs = GoogleCloudStorage.with_config(gcs_env)
    missing = _unique("nobucket")
    with pytest.raises(mageio.Error, match=f"gs://{missing}/t.parquet"):
        gcs.load(missing, "t.parquet")
    with pytest.raises(ValueError, match="GOOGLE_SERVICE_ACC_KEY"):
        GoogleCloudStorage.with_config({"GOOGLE_ENDPOINT": gcs_env["GOOGLE_ENDPOINT"]})
    with pytest.raises(mageio.NotSupportedError, match="Parquet"):
        gcs.export(_frame(), missing, "t.json")
