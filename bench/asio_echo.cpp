// asio_echo.cpp — the benchmark's second reference: the standard Asio echo
// server (async_read_some, then async_write of what came, then read again),
// one io_context on one thread, as Asio's own examples shape it. Written for
// socklab; built only when Debian's libasio-dev (standalone Asio) is installed.
//
//   asio_echo [--port 0]      prints "listening on 127.0.0.1:PORT"
#include <asio.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(data_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (!ec) self->write(n);
                            });
  }
  void write(std::size_t n) {
    asio::async_write(socket_, asio::buffer(data_, n),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        if (!ec) self->read();
                      });
  }
  asio::ip::tcp::socket socket_;
  std::array<char, 64 * 1024> data_;
};

void accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](std::error_code ec, asio::ip::tcp::socket socket) {
    if (!ec) {
      socket.set_option(asio::ip::tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = static_cast<unsigned short>(std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc)
      ++i;  // always 127.0.0.1
    else {
      std::fprintf(stderr, "asio_echo: usage: asio_echo [--port PORT]\n");
      return 2;
    }
  }
  try {
    asio::io_context io;
    asio::ip::tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port);
    asio::ip::tcp::acceptor acceptor(io, where);  // open, SO_REUSEADDR, bind, listen
    std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    accept(acceptor);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio_echo: error: %s\n", e.what());
    return 1;
  }
}
