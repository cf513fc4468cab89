// socklab/unique_fd.hpp — owns one file descriptor and closes it exactly once.
//
// The layer's one owner of a plain descriptor (an int: a pipe, a namespace file,
// a packet or netlink socket made with the raw API). A Socket is the owner of a
// socket handle; UniqueFd is for everything else the rooms open, so that no
// room writes its own "class Fd { ~Fd() { close(fd_); } }" again.
//
//   UniqueFd ns(::open("/run/netns/x", O_RDONLY | O_CLOEXEC));
//   if (!ns) ...;            // open() failed: ns holds -1
//   ::setns(ns.get(), CLONE_NEWNET);
//                            // closed when ns goes out of scope
//
// Move-only; the destructor closes and never throws. reset() closes with one
// close(2), never retried on EINTR (on Linux the descriptor is gone even then).
// On Windows it closes a C runtime descriptor (_close). docs/layer.md.
#pragma once

#include <utility>

namespace socklab {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  /// Takes ownership of `fd`; a negative value (a failed open()) owns nothing.
  explicit UniqueFd(int fd) noexcept : fd_(fd < 0 ? -1 : fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }

  int get() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return is_open(); }

  /// Gives up ownership: the caller must close the returned descriptor.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the descriptor held (if any), then owns `fd`.
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace socklab
