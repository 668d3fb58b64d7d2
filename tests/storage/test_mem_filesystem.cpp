#define BOOST_TEST_MODULE storage_mem_filesystem
#include "storage/mem_filesystem.h"
#include "test_util.h"

using namespace caudal::storage;
using namespace caudal::storage::test;

namespace {
std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string read_all_text(filesystem& fs, const std::string& path) {
  auto f = must(fs.open(path, open_mode::existing));
  std::vector<uint8_t> buf(f->size());
  BOOST_REQUIRE(must(f->read_at(0, buf)) == buf.size());
  return {buf.begin(), buf.end()};
}
} // namespace

BOOST_AUTO_TEST_CASE(only_synced_bytes_and_names_survive_a_crash) {
  mem_filesystem fs;
  must(fs.create_dirs("/d"));
  auto f = must(fs.open("/d/a", open_mode::create));
  must(f->append(bytes("hello ")));
  must(f->sync());
  must(fs.sync_dir("/d"));
  must(f->append(bytes("world")));
  BOOST_TEST(read_all_text(fs, "/d/a") == "hello world");
  auto g = must(fs.open("/d/b", open_mode::create));
  must(g->append(bytes("x")));
  must(g->sync()); // data synced, but the name never was
  fs.crash();
  BOOST_TEST(read_all_text(fs, "/d/a") == "hello ");
  BOOST_TEST(!must(fs.exists("/d/b")));
  // Handles from before the crash are dead.
  BOOST_TEST(!f->append(bytes("!")));
}

BOOST_AUTO_TEST_CASE(rename_is_durable_after_dir_sync) {
  mem_filesystem fs;
  must(fs.create_dirs("/d"));
  auto f = must(fs.open("/d/tmp", open_mode::create));
  must(f->append(bytes("v1")));
  must(f->sync());
  must(fs.rename("/d/tmp", "/d/final"));
  fs.crash();
  BOOST_TEST(!must(fs.exists("/d/final")));
  auto g = must(fs.open("/d/tmp", open_mode::create));
  must(g->append(bytes("v2")));
  must(g->sync());
  must(fs.rename("/d/tmp", "/d/final"));
  must(fs.sync_dir("/d"));
  fs.crash();
  BOOST_TEST(read_all_text(fs, "/d/final") == "v2");
  BOOST_TEST((must(fs.list_dir("/d")) == std::vector<std::string>{"final"}));
}

BOOST_AUTO_TEST_CASE(tearing_is_seeded_and_deterministic) {
  auto run = [](uint64_t seed) {
    mem_filesystem fs;
    must(fs.create_dirs("/d"));
    auto f = must(fs.open("/d/a", open_mode::create));
    must(fs.sync_dir("/d"));
    must(f->append(bytes("0123456789")));
    must(f->append(bytes("abcdefghij")));
    fs.crash(crash_mode::tear_last_write, seed);
    return read_all_text(fs, "/d/a");
  };
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto a = run(seed);
    BOOST_TEST(a == run(seed));
    BOOST_TEST(a.size() >= 10);
    BOOST_TEST(a.size() < 20);
    BOOST_TEST(a.substr(0, 10) == "0123456789");
  }
}

BOOST_AUTO_TEST_CASE(truncate_and_write_at_and_injected_sync_failure) {
  mem_filesystem fs;
  must(fs.create_dirs("/d"));
  auto f = must(fs.open("/d/a", open_mode::create));
  must(f->append(bytes("abcdef")));
  must(f->write_at(2, bytes("XY")));
  must(f->truncate(5));
  BOOST_TEST(read_all_text(fs, "/d/a") == "abXYe");
  fs.fail_next_syncs(1);
  BOOST_TEST(!f->sync());
  must(f->sync());
  BOOST_TEST(must(fs.file_size("/d/a")) == 5u);
  BOOST_TEST(!fs.open("/d/missing", open_mode::existing));
  BOOST_TEST(!fs.open("/nodir/x", open_mode::create));
}

BOOST_AUTO_TEST_CASE(posix_filesystem_basics) {
  temp_dir tmp;
  posix_filesystem fs;
  auto d = tmp.path + "/x/y";
  must(fs.create_dirs(d));
  auto f = must(fs.open(d + "/a", open_mode::create));
  must(f->append(bytes("hello")));
  must(f->write_at(5, bytes(" there")));
  must(f->sync());
  must(fs.sync_dir(d));
  BOOST_TEST(f->size() == 11u);
  BOOST_TEST(read_all_text(fs, d + "/a") == "hello there");
  must(fs.rename(d + "/a", d + "/b"));
  BOOST_TEST((must(fs.list_dir(d)) == std::vector<std::string>{"b"}));
  must(f->truncate(4));
  BOOST_TEST(must(fs.file_size(d + "/b")) == 4u);
  must(fs.remove(d + "/b"));
  auto missing = fs.open(d + "/b", open_mode::existing);
  BOOST_REQUIRE(!missing);
  BOOST_TEST(missing.error().code == errc::not_found);
}
