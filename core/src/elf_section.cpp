// A pure reader of ELF section headers (32/64-bit, either byte order); see elf_section.hpp.
#include "elf_section.hpp"

#include <mageio/sdk/error.hpp>

#include <cstdint>
#include <fstream>
#include <vector>

namespace mageio {
namespace {

using sdk::invalid_argument;

constexpr uint16_t kSectionIndexExtended = 0xffff;  // SHN_XINDEX: the real index is in section 0
constexpr uint32_t kSectionNoBits = 8;              // SHT_NOBITS: occupies no bytes in the file
constexpr uint64_t kMaxSections = 1 << 16;
constexpr uint64_t kMaxNameTable = 16 << 20;

class ElfFile {
 public:
  explicit ElfFile(const std::filesystem::path& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw invalid_argument("cannot be read");
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    if (ec) throw invalid_argument("cannot be read (" + ec.message() + ")");
  }

  uint64_t size() const { return size_; }

  // `length` bytes at `offset`, refused unless they lie entirely within the file.
  std::string bytes(uint64_t offset, uint64_t length, const char* what) {
    if (offset > size_ || length > size_ - offset)
      throw invalid_argument(std::string("malformed ELF file: the ") + what + " lies beyond the end of the file (" +
                             std::to_string(size_) + " bytes)");
    std::string out(static_cast<size_t>(length), '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(out.data(), static_cast<std::streamsize>(length));
    if (static_cast<uint64_t>(in_.gcount()) != length)
      throw invalid_argument(std::string("malformed ELF file: the ") + what + " cannot be read");
    return out;
  }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

// Integers of the file's byte order.
struct Decoder {
  bool big_endian = false;
  uint64_t read(std::string_view data, size_t offset, size_t width) const {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
      const auto byte = static_cast<unsigned char>(data[offset + (big_endian ? i : width - 1 - i)]);
      value = (value << 8) | byte;
    }
    return value;
  }
};

struct Section {
  uint32_t name = 0;
  uint32_t type = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
};

struct Layout {
  bool wide = false;  // ELFCLASS64
  size_t header_size() const { return wide ? 64 : 52; }
  size_t entry_size() const { return wide ? 64 : 40; }
};

Section parse_section(const Decoder& d, const Layout& l, std::string_view entry) {
  Section s;
  s.name = static_cast<uint32_t>(d.read(entry, 0, 4));
  s.type = static_cast<uint32_t>(d.read(entry, 4, 4));
  s.offset = l.wide ? d.read(entry, 24, 8) : d.read(entry, 16, 4);
  s.size = l.wide ? d.read(entry, 32, 8) : d.read(entry, 20, 4);
  s.link = static_cast<uint32_t>(l.wide ? d.read(entry, 40, 4) : d.read(entry, 24, 4));
  return s;
}

}  // namespace

std::optional<std::string> read_elf_section(const std::filesystem::path& path, std::string_view name, size_t max_size) {
  ElfFile file(path);
  if (file.size() < 16) throw invalid_argument("not an ELF file (shorter than an ELF identification)");
  const std::string ident = file.bytes(0, 16, "identification");
  if (ident.compare(0, 4,
                    "\x7f"
                    "ELF") != 0)
    throw invalid_argument("not an ELF file (no ELF magic number)");
  Layout layout;
  Decoder decoder;
  if (ident[4] != 1 && ident[4] != 2)
    throw invalid_argument("malformed ELF file: unknown class " + std::to_string(ident[4]));
  layout.wide = ident[4] == 2;
  if (ident[5] != 1 && ident[5] != 2)
    throw invalid_argument("malformed ELF file: unknown byte order " + std::to_string(ident[5]));
  decoder.big_endian = ident[5] == 2;

  const std::string header = file.bytes(0, layout.header_size(), "ELF header");
  const uint64_t table = layout.wide ? decoder.read(header, 0x28, 8) : decoder.read(header, 0x20, 4);
  const size_t at = layout.wide ? 0x3a : 0x2e;  // e_shentsize, then e_shnum, then e_shstrndx
  const uint64_t entry_size = decoder.read(header, at, 2);
  uint64_t count = decoder.read(header, at + 2, 2);
  uint64_t names_index = decoder.read(header, at + 4, 2);
  if (table == 0) return std::nullopt;  // no section header table: nothing can be named
  if (entry_size < layout.entry_size())
    throw invalid_argument("malformed ELF file: section header entries of " + std::to_string(entry_size) +
                           " bytes (expected " + std::to_string(layout.entry_size()) + ")");
  // Extended numbering: section 0 holds the real count and name-table index.
  const Section first = parse_section(decoder, layout, file.bytes(table, entry_size, "section header table"));
  if (count == 0) count = first.size;
  if (names_index == kSectionIndexExtended) names_index = first.link;
  if (count == 0 || count > kMaxSections)
    throw invalid_argument("malformed ELF file: " + std::to_string(count) + " sections");
  const std::string entries = file.bytes(table, count * entry_size, "section header table");
  std::vector<Section> sections;
  for (uint64_t i = 0; i < count; ++i)
    sections.push_back(parse_section(decoder, layout, std::string_view(entries).substr(i * entry_size, entry_size)));
  if (names_index >= count) throw invalid_argument("malformed ELF file: the section name table index is out of range");
  const Section& names_section = sections[names_index];
  if (names_section.size > kMaxNameTable)
    throw invalid_argument("malformed ELF file: the section name table is too large");
  const std::string names = file.bytes(names_section.offset, names_section.size, "section name table");

  std::optional<std::string> found;
  for (const auto& section : sections) {
    if (section.name >= names.size()) continue;  // section 0 and unnamed sections
    const size_t end = names.find('\0', section.name);
    if (end == std::string::npos) throw invalid_argument("malformed ELF file: a section name is not terminated");
    if (std::string_view(names).substr(section.name, end - section.name) != name) continue;
    if (found) throw invalid_argument("malformed ELF file: two sections named " + std::string(name));
    if (section.type == kSectionNoBits)
      throw invalid_argument("malformed ELF file: section " + std::string(name) + " holds no bytes");
    if (section.size > max_size)
      throw invalid_argument("section " + std::string(name) + " is " + std::to_string(section.size) +
                             " bytes, more than the " + std::to_string(max_size) + " allowed");
    found = file.bytes(section.offset, section.size, ("section " + std::string(name)).c_str());
  }
  return found;
}

}  // namespace mageio
