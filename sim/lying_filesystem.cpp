#include "sim/lying_filesystem.h"

namespace caudal::sim {

namespace {

class lying_file final : public storage::file {
public:
  explicit lying_file(std::unique_ptr<storage::file> inner) : inner_(std::move(inner)) {}
  storage::result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    return inner_->read_at(offset, out);
  }
  storage::status append(std::span<const uint8_t> data) override { return inner_->append(data); }
  storage::status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    return inner_->write_at(offset, data);
  }
  storage::status sync() override { return storage::ok(); } // the injected bug
  storage::status truncate(uint64_t size) override { return inner_->truncate(size); }
  uint64_t size() const override { return inner_->size(); }

private:
  std::unique_ptr<storage::file> inner_;
};

} // namespace

storage::result<std::unique_ptr<storage::file>> lying_filesystem::open(const std::string& path,
                                                                       storage::open_mode mode) {
  auto f = inner_.open(path, mode);
  if (!f) return f.error();
  return std::unique_ptr<storage::file>(std::make_unique<lying_file>(std::move(*f)));
}

} // namespace caudal::sim
