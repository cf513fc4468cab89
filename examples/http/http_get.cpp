// Example: a tiny HTTP client — GET one URL on loopback, print the status line
// and the body (curl's smallest use, made of the calls of lessons 01-02).
//
//   build/bin/http_get http://127.0.0.1:8080/index.html
//
// It sends "Connection: close", so the server closes after the response and the
// body is simply everything until EOF (checked against Content-Length if given).
//
// Docs: docs/examples/http.md
#include <socklab/socklab.hpp>

#include <array>
#include <charconv>
#include <string>

#include "http_message.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("http_get", "Example: GET a URL on loopback; print the status and the body.");
  args.flag("--include", "print the response headers too")
      .option("--max-bytes", "BYTES", "67108864", "give up on responses larger than this")
      .positionals("URL", "http://127.0.0.1:PORT/path (loopback only)");

  return cli::run(argc, argv, args, [&] {
    if (args.words().size() != 1) throw cli::UsageError("give exactly one URL");
    auto url = http::parse_url(args.words()[0]);
    if (!url) throw cli::UsageError("expected http://HOST:PORT/path");
    const auto max_bytes = static_cast<std::size_t>(args.integer("--max-bytes", 1, 1LL << 40));

    // Each address of the host in turn (lesson 04), loopback only.
    Socket sock = cli::host_port(url->host, url->port, Type::stream, [](const Address& address) {
      if (!address.is_loopback())
        throw cli::UsageError(fmt::format(
            "{} is not a loopback address: this client stays on this machine", address.ip()));
      Socket s = Socket::tcp(address.family());
      s.connect(address);
      return s;
    });
    const Address address = sock.peer_address();
    sock.set_recv_timeout(std::chrono::seconds(30));
    const std::string host = address.family() == Family::ipv6 ? "[" + url->host + "]" : url->host;
    send_all(sock, fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: socklab-http_get\r\n"
                               "Connection: close\r\n\r\n",
                               url->path, host, url->port));

    // Everything until the server closes (bounded).
    std::string response;
    std::array<char, 64 * 1024> chunk;
    for (Received got; !(got = sock.recv(chunk)).eof;) {
      response.append(chunk.data(), got.bytes);
      if (response.size() > max_bytes)
        throw std::runtime_error(fmt::format("the response is larger than {} bytes", max_bytes));
    }
    const std::size_t end = http::find_head_end(response);
    if (end == std::string::npos) throw std::runtime_error("the response has no complete head");
    std::string_view head(response.data(), end), body(response.data() + end, response.size() - end);
    const std::string_view status_line = head.substr(0, head.find_first_of("\r\n"));
    if (status_line.substr(0, 7) != "HTTP/1.") throw std::runtime_error("not an HTTP/1.x response");

    // Content-Length, if present, must match what arrived.
    std::string lower(head);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = lower.find("\ncontent-length:"); at != std::string::npos) {
      std::size_t p = at + 16;
      while (p < lower.size() && lower[p] == ' ') ++p;
      std::uint64_t length = 0;
      std::from_chars(lower.data() + p, lower.data() + lower.size(), length);
      if (length != body.size())
        throw std::runtime_error(
            fmt::format("Content-Length {} but {} bytes arrived", length, body.size()));
    }
    if (args.is_set("--include"))
      fmt::print("{}", head);
    else
      fmt::print("{}\n\n", status_line);
    fmt::print("{}", body);
    std::fflush(stdout);
    return 0;
  });
}
