// datagram_posix.cpp — recv_datagram() with recvmsg(), which reports MSG_TRUNC.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>

#include "datagram.hpp"
#include "socklab/error.hpp"

namespace socklab::sys {

std::size_t recv_datagram(Socket::native_handle_type h, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept {
  const int fd = static_cast<int>(h);
  truncated = false;
  for (;;) {
    sockaddr_storage ss{};
    iovec part{data, size};
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof ss;
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n >= 0) {
      from = Address(&ss, msg.msg_namelen);
      truncated = (msg.msg_flags & MSG_TRUNC) != 0;  // the datagram was longer than `size`
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    int code = errno;
    if (code == EINTR) continue;
    // EAGAIN on a blocking socket is the SO_RCVTIMEO timeout: say so, as Windows does.
    if (code == EAGAIN || code == EWOULDBLOCK) {
      int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK) == 0) code = ETIMEDOUT;
    }
    ec = std::error_code(code, socket_category());
    return 0;
  }
}

}  // namespace socklab::sys
