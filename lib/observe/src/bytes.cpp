// bytes.cpp — the whole-file reader of bytes.hpp.
#include "bytes.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>

namespace socklab::observe::bytes {

std::vector<std::byte> read_file(const std::string& path, std::error_code& ec) {
  ec.clear();
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    ec = {errno, std::generic_category()};
    return {};
  }
  std::vector<std::byte> out;
  std::byte chunk[65536];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0)
    out.insert(out.end(), chunk, chunk + n);
  if (std::ferror(f.get())) {
    ec = std::make_error_code(std::errc::io_error);
    return {};
  }
  return out;
}

}  // namespace socklab::observe::bytes
