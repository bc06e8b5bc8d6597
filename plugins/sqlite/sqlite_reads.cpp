#include "sqlite_reads.hpp"

#include <sys/stat.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace mageio::sqlite {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Reads in progress per file: several streams may read one file at once.
std::map<FileId, int>& reads_in_progress() {
  static std::map<FileId, int> reads;
  return reads;
}

std::optional<FileId> file_id(const char* path) {
  struct stat info {};
  if (path == nullptr || *path == '\0' || stat(path, &info) != 0) return std::nullopt;
  return FileId{info.st_dev, info.st_ino};
}

std::vector<FileId> database_files(sqlite3* db) {
  std::vector<FileId> files;
  for (int i = 0;; ++i) {
    const char* schema = sqlite3_db_name(db, i);
    if (schema == nullptr) break;
    if (auto id = file_id(sqlite3_db_filename(db, schema))) files.push_back(*id);
  }
  return files;
}

std::optional<FileId> database_file(sqlite3* db, const std::string& schema) {
  return file_id(sqlite3_db_filename(db, schema.c_str()));
}

// Whether a load stream of this process is reading `file` now.
bool is_being_read(const FileId& file) {
  std::lock_guard lock(registry_mutex());
  return reads_in_progress().count(file) != 0;
}

std::string journal_mode(const std::shared_ptr<Database>& db, const std::string& schema) {
  Statement pragma(db, "PRAGMA " + quote_identifier(schema) + ".journal_mode", "cannot read the journal mode");
  if (!pragma.step("cannot read the journal mode")) return {};
  const auto* mode = sqlite3_column_text(pragma.get(), 0);
  return mode != nullptr ? reinterpret_cast<const char*>(mode) : "";
}

}  // namespace

ReadRegistration::ReadRegistration(sqlite3* db) : files_(database_files(db)) {
  std::lock_guard lock(registry_mutex());
  for (const auto& file : files_) ++reads_in_progress()[file];
}

ReadRegistration::~ReadRegistration() {
  std::lock_guard lock(registry_mutex());
  auto& reads = reads_in_progress();
  for (const auto& file : files_)
    if (auto it = reads.find(file); it != reads.end() && --it->second == 0) reads.erase(it);
}

NoSpillWhileRead::NoSpillWhileRead(const std::shared_ptr<Database>& db, const std::string& schema,
                                   const std::string& target)
    : db_(db) {
  const auto file = database_file(db->get(), schema);
  if (!file || !is_being_read(*file) || same_identifier(journal_mode(db, schema), "wal")) return;
  db->exec("PRAGMA cache_spill = OFF", "cannot keep the written pages in memory");
  switched_off_ = true;
  db->host().warning(target +
                     " is in the database file this process is reading from (a copy within one file): the rows "
                     "written stay in memory until the commit, since a rollback journal cannot write into a file "
                     "that is being read. Put the database in WAL mode (PRAGMA journal_mode = WAL) to avoid "
                     "that, or copy with one INSERT ... SELECT through `mageio exec`.");
}

NoSpillWhileRead::~NoSpillWhileRead() {
  if (!switched_off_) return;
  try {
    db_->exec("PRAGMA cache_spill = ON", "cannot switch page spilling back on");
  } catch (...) {
    // Only the memory bound of later exports on this connection is at stake, never data.
  }
}

}  // namespace mageio::sqlite
