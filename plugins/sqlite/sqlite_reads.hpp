// Which database files this process is reading right now, through the plugin's own load streams.
//
// Why: `mageio copy sqlite sqlite` within one file opens two connections in one process, a reader and a
// writer. In SQLite's rollback-journal modes the writer may not write pages into the file while the
// reader holds its SHARED lock, so each time the writer's page cache fills up it waits the whole busy
// timeout for a lock that cannot come (the reader is waiting for the writer): the copy crawls. An export
// asks this registry whether the file it writes is being read here; if so it keeps its pages in memory
// until the commit (see sqlite_export.cpp). In WAL mode readers and writers do not block each other.
#pragma once

#include "sqlite_handle.hpp"

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mageio::sqlite {

/// A file on disk, by device and inode (so two spellings of one path are one file).
using FileId = std::pair<dev_t, ino_t>;

/// Marks the files of a connection (main and attached databases; not temp or in-memory ones) as being read for as long
/// as it lives. Thread-safe.
class ReadRegistration {
 public:
  explicit ReadRegistration(sqlite3* db);
  ~ReadRegistration();
  ReadRegistration(const ReadRegistration&) = delete;
  ReadRegistration& operator=(const ReadRegistration&) = delete;

 private:
  std::vector<FileId> files_;
};

/// For the length of an export into `schema` of `db`: when this process is reading the same file and the
/// file is not in WAL mode, the written pages stay in memory until the commit (PRAGMA cache_spill = OFF),
/// with a warning saying so; otherwise nothing changes. Spilling is switched back on at the end.
class NoSpillWhileRead {
 public:
  NoSpillWhileRead(const std::shared_ptr<Database>& db, const std::string& schema, const std::string& target);
  ~NoSpillWhileRead();
  NoSpillWhileRead(const NoSpillWhileRead&) = delete;
  NoSpillWhileRead& operator=(const NoSpillWhileRead&) = delete;

 private:
  std::shared_ptr<Database> db_;
  bool switched_off_ = false;
};

}  // namespace mageio::sqlite
