// The SDK's AtomicFile: the destination holds its old content or the new, never part of one.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/sdk/atomic_file.hpp>
#include <mageio/sdk/error.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <string>

namespace fs = std::filesystem;
using mageio::sdk::AtomicFile;
using Mode = mageio::sdk::AtomicFile::Mode;

namespace {

// The names in `dir`, for checking that no temporary file is left behind.
size_t entries(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

MageioStatus status_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const mageio::sdk::Error& e) {
    return e.status();
  }
  return MAGEIO_STATUS_OK;
}

}  // namespace

TEST_CASE("create writes the file only at commit") {
  mageio::test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  {
    AtomicFile out(target.string(), Mode::Create);
    out.write("hello ");
    out.write(std::string(3 << 20, 'x'));  // larger than the buffer: written straight through
    CHECK_FALSE(fs::exists(target));
    CHECK(out.bytes_written() == 6 + (3 << 20));
    out.commit();
  }
  CHECK(fs::file_size(target) == 6 + (3 << 20));
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("a file destroyed without commit leaves the destination as it was") {
  mageio::test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  mageio::test::write_file(target, "old");
  {
    AtomicFile out(target.string(), Mode::Replace);
    out.write("new content");
    CHECK_FALSE(out.temp_path().empty());
  }
  CHECK(mageio::test::read_file(target) == "old");
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("replace keeps the old file's permission bits") {
  mageio::test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  mageio::test::write_file(target, "old");
  ::chmod(target.c_str(), 0640);
  AtomicFile out(target.string(), Mode::Replace);
  out.write("new");
  out.commit();
  CHECK(mageio::test::read_file(target) == "new");
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("create refuses a target that appeared during the write") {
  mageio::test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  AtomicFile out(target.string(), Mode::Create);
  out.write("mine");
  mageio::test::write_file(target, "theirs");
  CHECK(status_of([&] { out.commit(); }) == MAGEIO_STATUS_ALREADY_EXISTS);
  CHECK(mageio::test::read_file(target) == "theirs");
}

TEST_CASE("an append is undone unless committed") {
  mageio::test::TempDir dir;
  const fs::path target = dir.path() / "log.txt";
  mageio::test::write_file(target, "a\nb");
  {
    AtomicFile out(target.string(), Mode::Append);
    CHECK(out.original_size() == 3);
    CHECK(out.last_byte() == 'b');
    out.write("\nc\n");
  }
  CHECK(mageio::test::read_file(target) == "a\nb");
  CHECK(entries(dir.path()) == 1);  // the journal is gone too
  {
    AtomicFile out(target.string(), Mode::Append);
    out.write("\nc\n");
    out.commit();
  }
  CHECK(mageio::test::read_file(target) == "a\nb\nc\n");
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("a missing directory is NOT_FOUND") {
  mageio::test::TempDir dir;
  CHECK(status_of([&] { AtomicFile out((dir.path() / "no" / "x").string(), Mode::Create); }) ==
        MAGEIO_STATUS_NOT_FOUND);
}
