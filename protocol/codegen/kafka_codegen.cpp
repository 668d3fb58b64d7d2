// kafka_codegen: turns Kafka's JSON message definitions into the C++ codec of
// caudal::protocol::msg. Run by the build (see protocol/CMakeLists.txt):
//
//   kafka_codegen --out <dir> --fill-chunks <n> <Message.json>...
//
// CMake selects the JSON files (requests/responses served by a broker or a
// controller, plus the "data" types); this program generates exactly those.
// Files are only rewritten when their content changes, so regenerating does
// not force a rebuild of unchanged messages.
#include "model.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;
using namespace caudal::codegen;

namespace {

void write_if_changed(const fs::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      if (ss.str() == text) return;
    }
  }
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct options {
  fs::path out;
  size_t chunks = 8;
  std::vector<std::string> inputs;
};

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--out" && i + 1 < argc) {
      o.out = argv[++i];
    } else if (a == "--fill-chunks" && i + 1 < argc) {
      o.chunks = std::stoul(argv[++i]);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.out.empty() || o.inputs.empty() || o.chunks == 0) {
    throw std::runtime_error("usage: kafka_codegen --out DIR [--fill-chunks N] FILE.json...");
  }
  return o;
}

void generate(const options& o) {
  std::vector<message> all;
  for (const auto& in : o.inputs) {
    try {
      all.push_back(parse_message(in));
    } catch (const std::exception& e) {
      throw std::runtime_error(in + ": " + e.what());
    }
  }
  fs::path msgs = o.out / "protocol" / "messages";
  for (const auto& m : all) {
    write_if_changed(msgs / (m.snake + ".h"), emit_header(m));
    write_if_changed(msgs / (m.snake + ".cpp"), emit_source(m));
  }
  write_if_changed(msgs / "all.h", emit_umbrella(all));
  write_if_changed(o.out / "protocol" / "api_table.cpp", emit_api_table(all));
  write_if_changed(msgs / "testing" / "fill.h", emit_fill_header(all));
  write_if_changed(msgs / "testing" / "registry.cpp", emit_registry(all));
  for (size_t c = 0; c < o.chunks; ++c) {
    std::vector<const message*> chunk;
    for (size_t i = c; i < all.size(); i += o.chunks) chunk.push_back(&all[i]);
    write_if_changed(msgs / "testing" / ("fill_" + std::to_string(c) + ".cpp"), emit_fill(chunk));
  }
}

} // namespace

int main(int argc, char** argv) {
  try {
    generate(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "kafka_codegen: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
