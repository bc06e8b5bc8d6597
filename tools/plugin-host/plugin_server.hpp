// The child side of an isolated instance: loads one plugin library, opens it with the config the host
// sent, and serves the host's requests until close. Everything the plugin does happens here, so a crash
// or hang ends this process, never the host.
#pragma once

#include <isolation/arrow_codec.hpp>
#include <isolation/wire.hpp>

#include <mageio/mageio_abi.h>

#include <map>
#include <string>

namespace mageio::isolation {

class PluginServer {
 public:
  PluginServer(Channel& channel, std::string library, std::string name);
  /// Serves until close or until the host goes away. Returns the process exit status.
  int run();

 private:
  bool open(const Frame& frame);
  void serve(const Frame& frame);
  void load(const Frame& frame);
  void plan_partitions(const Frame& frame);
  void load_partition(const Frame& frame);
  bool has_partitions() const;
  void execute(const Frame& frame);
  void export_data(const Frame& frame);
  void next_batch(uint32_t id);
  void release_stream(const Frame& frame);
  void reply_error(MageioStatus status, MageioError& error);
  void reply_error(MageioStatus status, const std::string& message);
  void reply_with_stream(int64_t rows_affected, ArrowArrayStream* stream);
  void reply_with_loaded(MageioStatus status, MageioError& error, ArrowArrayStream& stream);

  // A stream the plugin returned. One batch is read ahead: right after a batch is sent, the next is
  // fetched, so the plugin produces it while the host consumes the last one.
  struct ServedStream {
    ArrowArrayStream stream{};
    ArrowSchema schema{};
    bool has_ahead = false;
    ArrowArray ahead{};
    int ahead_code = 0;  // get_next's result for `ahead`
    StreamFailure ahead_error;
  };
  void fetch_ahead(ServedStream& served);
  void add_stream_error(ServedStream& served);
  static void release_served(ServedStream& served);

  Channel& channel_;
  std::string library_path_;
  std::string name_;
  void* library_ = nullptr;
  const MageioPluginDescriptor* descriptor_ = nullptr;
  MageioInstance* instance_ = nullptr;
  MageioHostServices services_{};
  std::map<uint32_t, ServedStream> streams_;
  uint32_t next_stream_id_ = 1;
};

}  // namespace mageio::isolation
