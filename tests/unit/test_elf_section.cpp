// The ELF section reader that discovery relies on: it finds the manifest in real plugins, says "none"
// for a library without one, and refuses truncated or garbage files with a reason instead of trusting
// any offset they state.
#include "test_support.hpp"

#include "elf_section.hpp"

#include <mageio/sdk/descriptor.hpp>
#include <mageio/sdk/error.hpp>

#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace mageio;

namespace {

fs::path sqlite_library() { return fs::path(MAGEIO_PLUGIN_DIR) / "libmageio_sqlite.so"; }

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path write_temp(const std::string& name, const std::string& bytes) {
  fs::path path = fs::temp_directory_path() / ("mageio_elf_test_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string failure(const fs::path& path) {
  try {
    read_elf_section(path, MAGEIO_MANIFEST_SECTION);
  } catch (const sdk::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a bundled plugin's manifest section is read without loading it, and parses") {
  auto text = read_elf_section(sqlite_library(), MAGEIO_MANIFEST_SECTION);
  REQUIRE(text.has_value());
  const sdk::Manifest manifest = sdk::parse_manifest(*text);
  CHECK(manifest.name == "sqlite");
  CHECK(manifest.abi_version == MAGEIO_ABI_VERSION);
  CHECK(sdk::check_manifest(manifest).empty());
}

TEST_CASE("a well-formed ELF file without the section has no manifest") {
  CHECK_FALSE(read_elf_section(sqlite_library(), ".no_such_section").has_value());
  CHECK_FALSE(
      read_elf_section(fs::path(MAGEIO_TEST_PLUGIN_DIR) / "no_entry" / "libmageio_no_entry.so", MAGEIO_MANIFEST_SECTION)
          .has_value());
}

TEST_CASE("truncated and garbage files are refused with a reason") {
  const std::string library = read_all(sqlite_library());
  REQUIRE(library.size() > 4096);
  CHECK(failure(write_temp("text", "this is text, not an ELF file\n")).find("not an ELF file") == 0);
  CHECK(failure(write_temp("short",
                           "\x7f"
                           "ELF"))
            .find("not an ELF file") == 0);
  // The section header table sits at the end of the file: cutting the end leaves offsets pointing past it.
  CHECK(failure(write_temp("truncated", library.substr(0, library.size() / 2))).find("beyond the end of the file") !=
        std::string::npos);
  CHECK(failure(write_temp("header_only", library.substr(0, 64))).find("beyond the end of the file") !=
        std::string::npos);
  std::string bad_class = library;
  bad_class[4] = 7;
  CHECK(failure(write_temp("class", bad_class)).find("unknown class") != std::string::npos);
  // A section header table offset far beyond the file.
  std::string far = library;
  for (int i = 0; i < 8; ++i) far[0x28 + i] = '\x7f';
  CHECK(failure(write_temp("far", far)).find("beyond the end of the file") != std::string::npos);
  // An entry size too small to be a section header.
  std::string small = library;
  small[0x3a] = 8;
  small[0x3b] = 0;
  CHECK(failure(write_temp("entsize", small)).find("section header entries of 8 bytes") != std::string::npos);
  // Garbage after a valid identification.
  std::string garbage = library.substr(0, 16) + std::string(4096, '\xff');
  CHECK(failure(write_temp("garbage", garbage)).find("malformed ELF file") == 0);
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
    if (entry.path().filename().string().starts_with("mageio_elf_test_" + std::to_string(getpid())))
      fs::remove(entry.path());
}
